// What a principal who is neither an administrator nor an approver may see through the API: their own
// sessions and recorded actions only, no audit log, and no verdict on their own requests. Each refusal is
// checked with its stable code; an approver reading the same things is the control that they exist.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import type { ApiServer } from '../../../src/api/index.ts'
import { type Core, createCore, type Principal, type SessionHandle } from '../../../src/core/index.ts'
import { openEmbeddedStore } from '../../../src/store/embedded/index.ts'
import type { Store } from '../../../src/store/store.ts'
import { callApiAs } from '../../support/call-api.ts'
import { listenApiServer } from '../../support/listen-api-server.ts'
import { systemAdmin as system } from '../../support/principals.ts'
import { suffixedPostgresConfig } from '../../support/suffixed-postgres-config.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const config = suffixedPostgresConfig(suffix, {
  agentsCeiling: ['*:public.*'],
  agentsAutoApprove: ['select:public.*', 'delete:public.items'],
  more: `guardrails:
  - id: hold-deletes
    description: deletes need a second pair of eyes
    action: approve
    match: { kinds: [DeleteStmt] }`,
})

const names = { alice: `alice-${suffix}`, bob: `bob-${suffix}`, dba: `dba-${suffix}` }
const keys = { alice: '', bob: '', dba: '' }
const principals = {} as Record<keyof typeof names, Principal>
const sessions = {} as Record<'alice' | 'bob', SessionHandle>
let dir: string
let store: Store
let core: Core
let server: ApiServer
let url: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-rights-'))
  store = await openEmbeddedStore({ dir })
  core = createCore({ config, store, logger: pino({ level: 'silent' }) })
  for (const who of ['alice', 'bob', 'dba'] as const) {
    const group = who === 'dba' ? `dbas-${suffix}` : `agents-${suffix}`
    keys[who] = (await core.createServiceAccount(system, { name: names[who], groups: [group] })).key
    principals[who] = await core.authenticate(keys[who])
  }
  // One session each for the two agents, with a recorded statement, as a protocol would leave them.
  for (const who of ['alice', 'bob'] as const) {
    const { credential } = await core.requestGrant(principals[who], {
      resourceId,
      scope: 'select:public.*',
      task: `${who}'s report`,
    })
    const context = await core.authenticateCredential(resourceId, credential!.username, credential!.password)
    sessions[who] = await core.openSession({ context, protocol: 'test', client: who, close: () => {} })
    core.recordAction(sessions[who], { kind: 'SelectStmt', text: `select '${who} secret'`, outcome: 'allow' })
  }
  ;({ server, url } = await listenApiServer(core))
})

after(async () => {
  await server?.close()
  await core?.close()
  await store?.close()
  await rm(dir, { recursive: true, force: true })
})

const call = (token: string, method: string, path: string, body?: unknown) =>
  callApiAs(url, token, method, path, body)

function assertRefused(res: Awaited<ReturnType<typeof call>>, status: number, code: string): void {
  assert.equal(res.status, status, res.text)
  assert.equal(res.body.code, code, res.text)
  assert.doesNotMatch(res.text, /secret/, 'a refusal shows nothing of what it guards')
}

test('the sessions list shows a non-admin only their own sessions, whatever the filter asks', async () => {
  const ids = async (token: string, query = '') =>
    ((await call(token, 'GET', `/v1/sessions${query}`)).body.sessions as { id: string }[]).map((s) => s.id)
  assert.deepEqual(await ids(keys.alice), [sessions.alice.id])
  assert.deepEqual(await ids(keys.bob), [sessions.bob.id])
  // Asking for another principal's sessions narrows nothing open: the caller's own id still applies.
  assert.deepEqual(await ids(keys.alice, `?principal=${principals.bob.id}`), [sessions.alice.id])
  assert.deepEqual(await ids(keys.alice, `?grant=${sessions.bob.grant.id}`), [])
  // The control: an approver oversees both.
  assert.deepEqual((await ids(keys.dba)).toSorted(), [sessions.alice.id, sessions.bob.id].toSorted())
})

test("another principal's session and its recorded actions are not found; their own are", async () => {
  assertRefused(await call(keys.alice, 'GET', `/v1/sessions/${sessions.bob.id}`), 404, 'TG_NOT_FOUND')
  const own = await call(keys.alice, 'GET', `/v1/sessions/${sessions.alice.id}`)
  assert.equal(own.status, 200, own.text)
  assert.deepEqual(
    own.body.actions.map((a: { text: string }) => a.text),
    ["select 'alice secret'"],
  )
  const overseen = await call(keys.dba, 'GET', `/v1/sessions/${sessions.bob.id}`)
  assert.equal(overseen.status, 200, overseen.text)
  assert.equal(overseen.body.actions[0].text, "select 'bob secret'")
})

test('the audit log and its verification are forbidden to a non-admin, non-approver', async () => {
  assertRefused(await call(keys.alice, 'GET', '/v1/audit'), 403, 'TG_FORBIDDEN')
  assertRefused(await call(keys.alice, 'GET', '/v1/audit?text=secret&order=desc'), 403, 'TG_FORBIDDEN')
  assertRefused(await call(keys.alice, 'GET', '/v1/audit/verify'), 403, 'TG_FORBIDDEN')
  const overseen = await call(keys.dba, 'GET', '/v1/audit?limit=5')
  assert.equal(overseen.status, 200, overseen.text)
  assert.ok(overseen.body.entries.length > 0)
  assert.equal((await call(keys.dba, 'GET', '/v1/audit/verify')).body.ok, true)
})

test("a non-admin cannot approve their own grant request, nor decide another's", async () => {
  const requested = await call(keys.alice, 'POST', '/v1/grants', {
    resource: resourceId,
    scope: 'update:public.items',
    task: 'fix a price',
  })
  assert.equal(requested.status, 201, requested.text)
  assert.equal(requested.body.grant.status, 'pending')
  const approvalId: string = requested.body.grant.approvalId
  assert.ok(approvalId, requested.text)
  assertRefused(
    await call(keys.alice, 'POST', `/v1/approvals/${approvalId}/approve`, { reason: 'mine' }),
    403,
    'TG_SELF_APPROVAL',
  )
  assertRefused(
    await call(keys.bob, 'POST', `/v1/approvals/${approvalId}/approve`, { reason: 'looks fine' }),
    403,
    'TG_FORBIDDEN',
  )
  assertRefused(await call(keys.bob, 'GET', `/v1/approvals/${approvalId}`), 404, 'TG_NOT_FOUND')
  const grant = await call(keys.alice, 'GET', `/v1/grants/${requested.body.grant.id}`)
  assert.equal(grant.body.grant?.status ?? grant.body.status, 'pending', 'still waiting for an approver')
})

test('a non-admin cannot approve their own held statement', async () => {
  const held = await heldDelete(principals.alice)
  assertRefused(
    await call(keys.alice, 'POST', `/v1/approvals/${held}/approve`, { reason: 'mine' }),
    403,
    'TG_SELF_APPROVAL',
  )
  assert.equal((await store.approvals.get(held))?.status, 'pending')
})

/** Opens a session under a fresh grant of `who` and holds a DELETE in it; returns the approval id. */
async function heldDelete(who: Principal): Promise<string> {
  const { credential } = await core.requestGrant(who, { resourceId, scope: 'delete:public.items', task: 'x' })
  const context = await core.authenticateCredential(resourceId, credential!.username, credential!.password)
  const session = await core.openSession({ context, protocol: 'test', client: 'x', close: () => {} })
  const action = {
    protocol: 'postgres',
    kind: 'DeleteStmt',
    needs: [{ verb: 'delete', object: 'public.items' }],
    traits: ['writes'],
    text: 'delete from items',
  }
  const decision = core.decide(session, action)
  assert.equal(decision.outcome, 'approve-first')
  if (decision.outcome !== 'approve-first') throw new Error('unreachable')
  return (await core.holdAction(session, decision, action, 'digest')).approvalId
}
