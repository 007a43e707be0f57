// A grant holds several live credentials: each `connect` / `grant env` issues one and the earlier ones keep
// working, until the grant ends by any path (then all are refused and none is stored); past the cap the
// oldest is revoked; every issue is audited without its secret. Core on a real embedded store, manual clock.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { MAX_CREDENTIALS_PER_GRANT } from '../../../src/core/grants/issue-credential.ts'
import { type Core, type IssuedCredential, ManualClock, type Principal } from '../../../src/core/index.ts'
import type { Store } from '../../../src/store/store.ts'
import { billingDbConfig } from '../../support/billing-db-config.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../../support/embedded-core.ts'
import { agentBot as agent, dbaDana as dba } from '../../support/principals.ts'

const config = billingDbConfig({ agentsCeiling: ['select:billing.*'] })

const admin: Principal = {
  id: 'sa:root',
  kind: 'service',
  name: 'root',
  groups: ['taskgate-admins'],
  via: 'service-account',
}

let opened: EmbeddedCore
let store: Store
let core: Core
const clock = new ManualClock('2026-03-01T10:00:00Z')

before(async () => {
  opened = await openEmbeddedCore(config, { clock })
  ;({ core, store } = opened)
})

after(() => opened[Symbol.asyncDispose]())

async function until(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.fail('condition not reached in time')
}

async function activeGrant(task: string, options: { ttl?: string; sessionBound?: boolean } = {}) {
  const { grant, credential } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'select:billing.invoices',
    task,
    ...options,
  })
  assert.equal(grant.status, 'active')
  assert.ok(credential)
  return { grant, first: credential }
}

const login = (c: IssuedCredential) => core.authenticateCredential('billing-db', c.username, c.password)

test('each issue is a new credential with its own login name; the earlier ones keep working', async () => {
  const { grant, first } = await activeGrant('two shells')
  const second = await core.issueCredential(agent, grant.id)
  const third = await core.issueCredential(agent, grant.id)
  assert.deepEqual(
    [first, second, third].map((c) => c.username),
    [`${grant.id}_1`, `${grant.id}_2`, `${grant.id}_3`],
  )
  assert.equal(new Set([first, second, third].map((c) => c.password)).size, 3)
  for (const c of [first, second, third, first]) assert.equal((await login(c)).grant.id, grant.id)
  // A secret works only under its own login name.
  await assert.rejects(core.authenticateCredential('billing-db', first.username, second.password), {
    code: 'TG_CREDENTIAL_INVALID',
  })
  await core.endGrant(agent, grant.id)
})

test('every issue is audited as credential.issued with the grant, never the secret', async () => {
  const { grant, first } = await activeGrant('audited')
  const second = await core.issueCredential(agent, grant.id)
  const entries = await core.listAudit(admin, { type: 'credential.issued', subject: grant.id })
  assert.deepEqual(
    entries.map((e) => [e.actor, e.data?.grant, e.data?.resource, e.data?.user]),
    [
      [agent.id, grant.id, 'billing-db', first.username],
      [agent.id, grant.id, 'billing-db', second.username],
    ],
  )
  const all = JSON.stringify(await core.listAudit(admin, { limit: 10_000 }))
  for (const c of [first, second]) assert.ok(!all.includes(c.password), 'no secret in the audit log')
  assert.deepEqual((await core.verifyAudit(admin)).ok, true)
  await core.endGrant(agent, grant.id)
})

const END_PATHS: Array<{
  name: string
  options?: { ttl?: string; sessionBound?: boolean }
  end: (grantId: string, credential: IssuedCredential) => Promise<unknown>
}> = [
  { name: 'task done', end: (id) => core.endGrant(agent, id) },
  { name: 'revoke', end: (id) => core.revokeGrant(dba, id, 'suspicious') },
  {
    name: 'TTL',
    options: { ttl: '60s' },
    end: async (id) => {
      clock.advance(61_000)
      await until(async () => (await core.getGrant(agent, id)).status === 'ended')
    },
  },
  {
    name: 'session-bound end',
    options: { sessionBound: true },
    end: async (_id, credential) => {
      const session = await core.openSession({
        context: await login(credential),
        protocol: 'test',
        client: 'x',
        close: () => {},
      })
      await core.closeSession(session, 'client disconnected')
    },
  },
]

for (const path of END_PATHS) {
  test(`${path.name}: every credential of the grant is refused, saying the grant ended`, async () => {
    const { grant, first } = await activeGrant(path.name, path.options)
    const second = await core.issueCredential(agent, grant.id)
    for (const c of [first, second]) await login(c)
    await path.end(grant.id, second)
    assert.equal((await core.getGrant(agent, grant.id)).status, 'ended')
    // The verifiers stay (until a day after expiry) so a holder of the secret learns why; nobody gets in.
    for (const c of [first, second])
      await assert.rejects(login(c), { code: 'TG_GRANT_NOT_ACTIVE', message: /is ended \(/ })
    await assert.rejects(core.issueCredential(agent, grant.id), { code: 'TG_GRANT_NOT_ACTIVE' })
  })
}

test(`a grant holds at most ${MAX_CREDENTIALS_PER_GRANT} credentials: the next issue revokes the oldest`, async () => {
  const { grant, first } = await activeGrant('reissue loop')
  const issued = [first]
  while (issued.length < MAX_CREDENTIALS_PER_GRANT + 2)
    issued.push(await core.issueCredential(agent, grant.id))
  const [oldest, secondOldest, ...kept] = issued as [
    IssuedCredential,
    IssuedCredential,
    ...IssuedCredential[],
  ]
  for (const c of [oldest, secondOldest]) await assert.rejects(login(c), { code: 'TG_CREDENTIAL_INVALID' })
  for (const c of kept) await login(c)
  assert.deepEqual(
    (await store.credentials.listForGrant(grant.id)).map((c) => c.username),
    kept.map((c) => c.username),
  )
  const entries = await core.listAudit(admin, { type: 'credential.issued', subject: grant.id })
  assert.equal(entries.length, MAX_CREDENTIALS_PER_GRANT + 2)
  assert.deepEqual(
    entries.slice(-3).map((e) => e.data?.revoked),
    [undefined, [oldest.username], [secondOldest.username]],
  )
  await core.endGrant(agent, grant.id)
})
