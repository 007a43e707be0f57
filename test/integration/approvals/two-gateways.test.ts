// Two gateway processes sharing one PostgreSQL store, as a scaled deployment runs them: process A in this
// process, process B a child (`node src/main.ts --config FILE`). A psql client held in A is released by an
// approval given through B's API; a grant revoked through B closes A's live session within a second.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { PsqlSession } from '../../support/clients/psql-session.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../support/postgres.ts'
import {
  callApi,
  type GatewaySetup,
  libpqEnv,
  prepareGateway,
  type RunningGateway,
  requestGrant,
  startChildProcess,
  startInProcess,
} from '../../support/start-full-gateway.ts'

let store: ThrowawayDatabase
let setup: GatewaySetup
let a: RunningGateway
let b: RunningGateway
let keys: { admin: string; agent: string; approver: string }

before(async () => {
  store = await createThrowawayDatabase('tg_store')
  setup = await prepareGateway({
    storeUrl: store.url,
    setupSql: 'CREATE TABLE public.items (id int PRIMARY KEY, v int); INSERT INTO items VALUES (1, 0);',
    extraConfig: `guardrails:
  - { id: no-unbounded-write, action: approve, description: "a write to every row needs a DBA", approvers: [{dbas}] }
`,
  })
  // A starts first: it migrates the store and writes the keys; B finds the accounts already there.
  a = await startInProcess(setup)
  b = await startChildProcess(setup)
  keys = await setup.keys()
})

after(async () => {
  await b?.[Symbol.asyncDispose]()
  await a?.[Symbol.asyncDispose]()
  await setup?.[Symbol.asyncDispose]()
  await store?.[Symbol.asyncDispose]()
})

test('a statement held in process A is released by an approval given through process B', async () => {
  assert.notEqual(a.api, b.api)
  const { connection } = await requestGrant(a.api, keys.agent, setup.resourceId, 'select:*,update:*')
  await using psql = new PsqlSession(libpqEnv(connection, a.resource))
  psql.send('UPDATE items SET v = v + 1 RETURNING id, v;\n')
  const id = await psql.approvalId()
  const listed = await callApi<{ approvals: Array<{ id: string }> }>(
    b.api,
    keys.approver,
    'GET',
    '/v1/approvals?status=pending',
  )
  assert.ok(
    listed.body.approvals.some((x) => x.id === id),
    'B sees the approval A stored',
  )
  const approved = await callApi(b.api, keys.approver, 'POST', `/v1/approvals/${id}/approve`, {
    reason: 'approved through B',
  })
  assert.equal(approved.status, 200, JSON.stringify(approved.body))
  await psql.waitFor('stdout', /^1\|1$/m, 1, 5_000)
  assert.equal(await psql.close(), 0, psql.stderr)
  const rows = await setup.db.query('SELECT v FROM items')
  assert.equal(rows.rows[0].v, 1)
})

test("a grant revoked through process B closes process A's live session within 1 s", async () => {
  const { grantId, connection } = await requestGrant(
    a.api,
    keys.agent,
    setup.resourceId,
    'select:*,execute:pg_catalog.pg_sleep',
  )
  await using psql = new PsqlSession(libpqEnv(connection, a.resource))
  psql.send("SELECT 'connected';\nSELECT pg_sleep(30);\n")
  await psql.waitFor('stdout', /^connected$/m)
  const revoked = await callApi(b.api, keys.admin, 'POST', `/v1/grants/${grantId}/revoke`, {
    reason: 'incident 42: stop the task',
  })
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
  const at = Date.now()
  const code = await Promise.race([psql.exited, new Promise((r) => setTimeout(() => r('still open'), 1_000))])
  const elapsed = Date.now() - at
  assert.notEqual(code, 'still open', `psql still connected after ${elapsed} ms:\n${psql.stderr}`)
  assert.match(psql.stderr, /FATAL: {2}grant ended: /)
})
