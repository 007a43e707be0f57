// GET /v1/events over real HTTP: authentication (bearer and console cookie), events filtered by what the
// caller may see, heartbeats, and changes made by another gateway process sharing a PostgreSQL store.
// Also the console's cookie sessions: CSRF token and Origin checks on state-changing requests.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { type ApiServer, createApiServer } from '../../../src/api/index.ts'
import { parseConfigText } from '../../../src/config/load.ts'
import { type Core, createCore, type Principal } from '../../../src/core/index.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import type { Store } from '../../../src/store/store.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../support/postgres.ts'
import { systemAdmin as system } from '../../support/principals.ts'
import { openSse, type SseMessage } from '../../support/sse.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const otherResourceId = `other-${suffix}`
const config = parseConfigText(
  `
resources:
  - id: ${resourceId}
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: postgres, user: postgres }
  - id: ${otherResourceId}
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: postgres, user: postgres }
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["select:*"]
    approvers: [dbas-${suffix}]
  - group: others-${suffix}
    resources: [${otherResourceId}]
    ceiling: ["*:*"]
    autoApprove: ["select:*"]
    approvers: [other-approvers-${suffix}]
`,
  'events-test.yaml',
)
const logger = pino({ level: 'silent' })

let db: ThrowawayDatabase
let stores: Store[] = []
let core: Core
let otherProcessCore: Core
let server: ApiServer
let url: string
const keys = { agent: '', dba: '', other: '' }
const principals: Record<string, Principal> = {}

before(async () => {
  db = await createThrowawayDatabase()
  // Two stores on one database stand for two gateway processes: notifications cross connections.
  stores = [await openPostgresStore({ url: db.url }), await openPostgresStore({ url: db.url })]
  core = createCore({ config, store: stores[0]!, logger })
  otherProcessCore = createCore({ config, store: stores[1]!, logger })
  for (const [name, group] of [
    ['agent', `agents-${suffix}`],
    ['dba', `dbas-${suffix}`],
    ['other', `others-${suffix}`],
  ] as const) {
    keys[name] = (await core.createServiceAccount(system, { name: `${name}-${suffix}`, groups: [group] })).key
    principals[name] = await core.authenticate(keys[name])
  }
  server = createApiServer({
    core,
    logger,
    listen: { host: '127.0.0.1', port: 0 },
    settings: { eventsHeartbeatMs: 100 },
  })
  url = (await server.listen()).url
})

after(async () => {
  await server?.close()
  await core?.close()
  await otherProcessCore?.close()
  for (const store of stores) await store.close()
  await db?.[Symbol.asyncDispose]()
})

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
type EventData = { id: string; approval: Record<string, string>; grant: Record<string, string> }
const isEvent = (type: string, test: (data: EventData) => boolean) => (m: SseMessage) =>
  m.event === type && test(JSON.parse(m.data ?? '{}'))

test('GET /v1/events needs a credential', async () => {
  const response = await fetch(`${url}/v1/events`)
  assert.equal(response.status, 401)
  assert.equal(((await response.json()) as { code: string }).code, 'TG_AUTH_MISSING')
})

test('approvers and the requester see a pending request arrive; others do not', async () => {
  await using dba = await openSse(`${url}/v1/events`, bearer(keys.dba))
  await using agent = await openSse(`${url}/v1/events`, bearer(keys.agent))
  await using other = await openSse(`${url}/v1/events`, bearer(keys.other))
  assert.equal(dba.status, 200)
  await dba.next((m) => m.comment === 'connected')
  await other.next((m) => m.comment === 'connected')

  const { grant } = await core.requestGrant(principals.agent!, {
    resourceId,
    scope: 'insert:public.t',
    task: 'load rows',
  })
  assert.equal(grant.status, 'pending')
  const seen = await dba.next(isEvent('approval.changed', (d) => d.approval.grantId === grant.id))
  const data = JSON.parse(seen.data!)
  assert.equal(data.id, grant.approvalId)
  assert.equal(data.approval.status, 'pending')
  assert.equal(data.approval.requesterId, principals.agent!.id)
  await agent.next(isEvent('approval.changed', (d) => d.id === grant.approvalId))

  // The decision is an approval change and a grant change, for both sides.
  await core.decideApproval(principals.dba!, grant.approvalId!, 'approve', 'ok')
  await dba.next(isEvent('approval.changed', (d) => d.approval.status === 'approved'))
  await agent.next(isEvent('grant.changed', (d) => d.id === grant.id && d.grant.status === 'active'))

  // The other principal sees a change of its own, and none of the ones above (ordered stream).
  const own = await core.requestGrant(principals.other!, {
    resourceId: otherResourceId,
    scope: 'update:public.t',
    task: 'fix a row',
  })
  await other.next(isEvent('approval.changed', (d) => d.approval.grantId === own.grant.id))
  const events = other.seen.filter((m) => m.event)
  assert.equal(events.length, 1, JSON.stringify(events))
})

test('sends heartbeats on an idle stream', async () => {
  await using stream = await openSse(`${url}/v1/events`, bearer(keys.dba))
  await stream.next((m) => m.comment === 'heartbeat', 2000)
})

test('changes made by another gateway process on the same store arrive', async () => {
  await using stream = await openSse(`${url}/v1/events`, bearer(keys.dba))
  await stream.next((m) => m.comment === 'connected')
  const { grant } = await otherProcessCore.requestGrant(principals.agent!, {
    resourceId,
    scope: 'delete:public.t',
    task: 'from the other process',
  })
  await stream.next(isEvent('approval.changed', (d) => d.approval.grantId === grant.id))
  await otherProcessCore.revokeGrant(system, grant.id, 'not today')
  await stream.next(isEvent('grant.changed', (d) => d.id === grant.id && d.grant.status === 'ended'))
})

test('console cookie session: sign in with a key, CSRF token and Origin checks, sign out', async () => {
  const bad = await fetch(`${url}/auth/key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'tg_nope' }),
  })
  assert.equal(bad.status, 401)

  const signIn = await fetch(`${url}/auth/key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: keys.dba }),
  })
  assert.equal(signIn.status, 200)
  const setCookie = signIn.headers.getSetCookie()[0] ?? ''
  assert.match(setCookie, /^tg_session=[\w-]{40,}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/)
  const cookie = setCookie.split(';')[0]!
  const { principal, csrfToken } = (await signIn.json()) as { principal: { id: string }; csrfToken: string }
  assert.equal(principal.id, principals.dba!.id)

  const whoami = await fetch(`${url}/v1/whoami`, { headers: { cookie } })
  assert.equal(((await whoami.json()) as { id: string }).id, principals.dba!.id)
  await using stream = await openSse(`${url}/v1/events`, { cookie })
  assert.equal(stream.status, 200)

  const { grant } = await core.requestGrant(principals.agent!, {
    resourceId,
    scope: 'insert:public.u',
    task: 'x',
  })
  const deny = (headers: Record<string, string>) =>
    fetch(`${url}/v1/approvals/${grant.approvalId}/deny`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ reason: 'no' }),
    })
  const noToken = await deny({})
  assert.equal(noToken.status, 403)
  assert.equal(((await noToken.json()) as { code: string }).code, 'TG_CSRF_INVALID')
  const wrongToken = await deny({ 'x-csrf-token': `${csrfToken}x` })
  assert.equal(wrongToken.status, 403)
  const foreign = await deny({ 'x-csrf-token': csrfToken, origin: 'https://evil.example' })
  assert.equal(foreign.status, 403)
  const ok = await deny({ 'x-csrf-token': csrfToken, origin: url })
  assert.equal(ok.status, 200)

  const session = await fetch(`${url}/auth/session`, { headers: { cookie } })
  assert.equal(((await session.json()) as { csrfToken: string }).csrfToken, csrfToken)
  const logout = await fetch(`${url}/auth/logout`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken },
  })
  assert.equal(logout.status, 204)
  assert.equal((await fetch(`${url}/v1/whoami`, { headers: { cookie } })).status, 401)
})

test('a key sign-in from another origin is refused (login CSRF)', async () => {
  const response = await fetch(`${url}/auth/key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
    body: JSON.stringify({ key: keys.dba }),
  })
  assert.equal(response.status, 403)
  assert.equal(response.headers.getSetCookie().length, 0)
})
