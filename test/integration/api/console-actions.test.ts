// The control-plane operations the console's approvers and administrators act with, over real HTTP on a
// real core and embedded store: the risk of a pending grant request (requested scope against auto-approve
// and the ceiling), sessions listed with their task and counts and filtered by task and state, ending one
// live session while its grant stays active, and disabling and deleting a service account (its key stops
// working, its grants end, a deleted name stays reserved). Sessions are opened through core as a protocol
// opens them; the browser tests drive the same operations through a real psql.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import type { ApiServer } from '../../../src/api/index.ts'
import type { Core } from '../../../src/core/index.ts'
import { callApiAs } from '../../support/call-api.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../../support/embedded-core.ts'
import { listenApiServer } from '../../support/listen-api-server.ts'
import { openClosableSession } from '../../support/open-closable-session.ts'
import { systemAdmin as system } from '../../support/principals.ts'
import { suffixedPostgresConfig } from '../../support/suffixed-postgres-config.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const config = suffixedPostgresConfig(suffix, {
  agentsCeiling: ['select:*', 'insert:public.*', 'update:public.*'],
  agentsAutoApprove: ['select:public.*'],
})

let harness: EmbeddedCore
let core: Core
let server: ApiServer
let url: string
const keys = { admin: '', agent: '', dba: '' }

before(async () => {
  harness = await openEmbeddedCore(config)
  core = harness.core
  const create = async (name: string, groups: string[]) =>
    (await core.createServiceAccount(system, { name, groups })).key
  keys.admin = await create(`admin-${suffix}`, ['taskgate-admins'])
  keys.agent = await create(`bot-${suffix}`, [`agents-${suffix}`])
  keys.dba = await create(`dba-${suffix}`, [`dbas-${suffix}`])
  ;({ server, url } = await listenApiServer(core))
})

after(async () => {
  await server?.close()
  await harness?.[Symbol.asyncDispose]()
})

const call = (method: string, path: string, token: string, body?: unknown) =>
  callApiAs(url, token, method, path, body)

/** A grant of the agent with one open session, as the PostgreSQL protocol opens it; `closed` collects
 * the reasons core asked the session to close with. */
async function openAgentSession(task: string, token = keys.agent) {
  const agent = await core.authenticate(token)
  const { grant } = await core.requestGrant(agent, { resourceId, scope: 'select:public.items', task })
  assert.equal(grant.status, 'active')
  return { grant, ...(await openClosableSession(core, grant, config.resources[0]!)) }
}

test('a pending grant request carries its risk: requested against auto-approve and ceiling, widened entries, duration', async () => {
  const requested = await call('POST', '/v1/grants', keys.agent, {
    resource: resourceId,
    scope: ['select:public.items', 'update:public.items'],
    task: 'rename item two',
    ttl: '20m',
  })
  assert.equal(requested.body.grant.status, 'pending', requested.text)
  const approvalId = requested.body.grant.approvalId
  const listed = await call('GET', '/v1/approvals?status=pending', keys.dba)
  const approval = listed.body.approvals.find((a: { id: string }) => a.id === approvalId)
  assert.deepEqual(approval.risk, {
    requested: ['select:public.items', 'update:public.items'],
    autoApprove: ['select:public.*'],
    ceiling: ['select:*', 'insert:public.*', 'update:public.*'],
    widened: ['update:public.items'],
    ttlSeconds: 1200,
  })
  assert.deepEqual((await call('GET', `/v1/approvals/${approvalId}`, keys.dba)).body.risk, approval.risk)
  await call('POST', `/v1/approvals/${approvalId}/deny`, keys.dba, { reason: 'not today' })
  const decided = await call('GET', `/v1/approvals/${approvalId}`, keys.dba)
  assert.equal(decided.body.status, 'denied')
  assert.equal(decided.body.risk, undefined, 'only pending requests are weighed')
})

test('sessions list their task and counts, and filter by task text and live state', async () => {
  const task = `count 100% of items ${suffix}`
  const { session } = await openAgentSession(task)
  core.recordAction(session, { kind: 'SelectStmt', text: 'SELECT 1', outcome: 'allow' })
  core.recordAction(session, { kind: 'DeleteStmt', text: 'DELETE FROM t', outcome: 'deny', rule: 'scope' })
  const ended = await openAgentSession(`${task} (done)`)
  await core.closeSession(ended.session, 'client disconnected')
  await core.getSession(system, session.id) // flushes the recorder

  const list = async (query: string) =>
    (await call('GET', `/v1/sessions?${query}`, keys.dba)).body.sessions as Array<Record<string, unknown>>
  const [live] = await list(`task=${encodeURIComponent(`100% OF ITEMS ${suffix}`)}&state=live`)
  assert.deepEqual(
    { id: live?.id, task: live?.task, actionCount: live?.actionCount, deniedCount: live?.deniedCount },
    { id: session.id, task, actionCount: 2, deniedCount: 1 },
  )
  assert.equal(live?.endedAt, undefined)
  assert.deepEqual(
    (await list(`task=${encodeURIComponent(suffix)}&state=ended`)).map((s) => s.id),
    [ended.session.id],
  )
  assert.equal((await call('GET', '/v1/sessions?state=paused', keys.dba)).status, 400)
})

test('an approver ends one live session with a reason: the client is closed, the grant stays active, it is audited', async () => {
  const { grant, session, closed } = await openAgentSession('a session to end')
  const path = `/v1/sessions/${session.id}/end`
  const noReason = await call('POST', path, keys.dba, { reason: '  ' })
  assert.equal(noReason.status, 400, noReason.text)
  const byOwner = await call('POST', path, keys.agent, { reason: 'mine' })
  assert.equal(byOwner.status, 403, 'the owner closes its client instead')
  assert.equal((await call('POST', '/v1/sessions/s-nope/end', keys.dba, { reason: 'x' })).status, 404)

  const ended = await call('POST', path, keys.dba, { reason: 'runaway query loop' })
  assert.equal(ended.status, 200, ended.text)
  assert.equal(ended.body.id, session.id)
  assert.deepEqual(closed, [`session ended by dba-${suffix}: runaway query loop`])
  assert.equal((await call('GET', `/v1/grants/${grant.id}`, keys.agent)).body.status, 'active')
  const after = await call('GET', `/v1/sessions/${session.id}`, keys.dba)
  assert.match(after.body.session.endReason, /runaway query loop/)
  assert.equal((await call('POST', path, keys.dba, { reason: 'again' })).status, 409)
  const audit = await call('GET', `/v1/audit?type=session.terminated&subject=${session.id}`, keys.admin)
  const later = new Date(Date.now() + 60_000).toISOString()
  const none = await call('GET', `/v1/audit?type=session.terminated&since=${later}`, keys.admin)
  assert.deepEqual(none.body.entries, [], 'since: nothing written after a minute from now')
  const before = await call('GET', `/v1/audit?type=session.terminated&until=${later}`, keys.admin)
  assert.ok(
    before.body.entries.some((e: { subject: string }) => e.subject === session.id),
    'until',
  )
  assert.deepEqual(
    audit.body.entries.map((e: { actor: string; data: unknown }) => [e.actor, e.data]),
    [[`sa:dba-${suffix}`, { grant: grant.id, reason: 'runaway query loop' }]],
  )
})

test('disabling a service account stops its key and ends its grants and sessions; deleting keeps the name reserved', async () => {
  const name = `doomed-${suffix}`
  const key = (await core.createServiceAccount(system, { name, groups: [`agents-${suffix}`] })).key
  const { grant, closed } = await openAgentSession('work before being disabled', key)

  assert.equal(
    (await call('POST', `/v1/service-accounts/${name}/disable`, keys.dba, { reason: 'x' })).status,
    403,
  )
  assert.equal((await call('POST', `/v1/service-accounts/${name}/disable`, keys.admin, {})).status, 400)
  const self = await call('POST', `/v1/service-accounts/admin-${suffix}/disable`, keys.admin, {
    reason: 'oops',
  })
  assert.equal(self.status, 409, 'nobody locks themselves out')

  const disabled = await call('POST', `/v1/service-accounts/${name}/disable`, keys.admin, {
    reason: 'agent retired',
  })
  assert.equal(disabled.status, 200, disabled.text)
  assert.ok(disabled.body.disabledAt)
  assert.equal((await call('GET', '/v1/whoami', key)).status, 401, 'the key stops working at once')
  const after = await call('GET', `/v1/grants/${grant.id}`, keys.admin)
  assert.deepEqual([after.body.status, after.body.endReason], ['ended', 'revoked'])
  assert.equal(closed.length, 1, 'its session was closed')
  assert.equal(
    (await call('POST', `/v1/service-accounts/${name}/disable`, keys.admin, { reason: 'x' })).status,
    409,
  )

  const deleted = await call('DELETE', `/v1/service-accounts/${name}`, keys.admin, { reason: 'cleanup' })
  assert.equal(deleted.status, 204, deleted.text)
  const listed = await call('GET', '/v1/service-accounts', keys.admin)
  assert.ok(!listed.body.serviceAccounts.some((a: { name: string }) => a.name === name))
  assert.equal((await call('POST', `/v1/service-accounts/${name}/rotate`, keys.admin)).status, 404)
  assert.equal(
    (await call('DELETE', `/v1/service-accounts/${name}`, keys.admin, { reason: 'x' })).status,
    404,
  )
  const reused = await call('POST', '/v1/service-accounts', keys.admin, { name, groups: ['g'] })
  assert.equal(reused.status, 409, reused.text)
  assert.match(reused.body.detail, /reserved/)
  const audit = await call('GET', `/v1/audit?subject=sa:${name}`, keys.admin)
  assert.deepEqual(
    audit.body.entries.map((e: { type: string }) => e.type),
    ['service_account.created', 'service_account.disabled', 'service_account.deleted'],
  )
})
