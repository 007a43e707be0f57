// Held statements end to end: a guardrail tuned to `action: approve`, a real psql WAITING in a child
// process, and approvers acting through the REST API and the `taskgate` CLI. The client is told which
// approval it waits for; approved, the statement runs once and psql prints its rows; denied, psql gets
// the approver's reason and the session goes on; nobody deciding in time fails the statement. Nobody
// approves their own statement, and one approval never covers another statement (or other parameters).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { PsqlSession } from '../../support/clients/psql-session.ts'
import { runTaskgate } from '../../support/run-taskgate.ts'
import {
  callApi,
  type GatewaySetup,
  libpqEnv,
  prepareGateway,
  type RunningGateway,
  requestGrant,
  startInProcess,
} from '../../support/start-full-gateway.ts'
import { startPostgresGateway } from '../../support/start-gateway.ts'

const SETUP_SQL =
  'CREATE TABLE public.items (id int PRIMARY KEY, v int); INSERT INTO items VALUES (1, 0), (2, 0);'
const HOLD_UNBOUNDED_WRITES = `guardrails:
  - id: no-unbounded-write
    action: approve
    description: a write to every row needs a DBA's eyes
    approvers: [{dbas}]
`

let setup: GatewaySetup
let gw: RunningGateway
let keys: { admin: string; agent: string; approver: string }

before(async () => {
  setup = await prepareGateway({ setupSql: SETUP_SQL, extraConfig: HOLD_UNBOUNDED_WRITES })
  gw = await startInProcess(setup)
  keys = await setup.keys()
})
after(async () => {
  await gw?.[Symbol.asyncDispose]()
  await setup?.[Symbol.asyncDispose]()
})

async function psqlForAgent(): Promise<PsqlSession & { grantId: string }> {
  const { grantId, connection } = await requestGrant(
    gw.api,
    keys.agent,
    setup.resourceId,
    'select:*,update:*',
  )
  return Object.assign(new PsqlSession(libpqEnv(connection)), { grantId })
}

interface RecordedAction {
  text: string
  outcome: string
  approvalId?: string
  approvedBy?: string
  approvedByName?: string
}

/** The actions recorded in the one session of a grant, as the API shows them to an approver. */
async function recordedActions(grantId: string): Promise<RecordedAction[]> {
  const list = await callApi<{ sessions: { id: string }[] }>(
    gw.api,
    keys.approver,
    'GET',
    `/v1/sessions?grant=${grantId}`,
  )
  assert.equal(list.body.sessions.length, 1, JSON.stringify(list.body))
  const detail = await callApi<{ actions: RecordedAction[] }>(
    gw.api,
    keys.approver,
    'GET',
    `/v1/sessions/${list.body.sessions[0]!.id}`,
  )
  return detail.body.actions
}

const values = async () =>
  (await setup.db.query('SELECT v FROM items ORDER BY id')).rows.map((r: { v: number }) => r.v)

describe('a held statement through psql', () => {
  test('approved through the API it runs once; self-approval is refused; the approval covers that statement only', async () => {
    await using psql = await psqlForAgent()
    psql.send('UPDATE items SET v = v + 1 RETURNING id, v;\n')
    const first = await psql.approvalId(1)
    assert.match(
      psql.stderr,
      /NOTICE: {2}taskgate: waiting for approval \S+ \(rule guardrail:no-unbounded-write\)/,
    )
    assert.match(psql.stderr, new RegExp(`an approver runs: taskgate approve ${first}`))
    assert.deepEqual(await values(), [0, 0], 'nothing ran while held')

    const self = await callApi(gw.api, keys.agent, 'POST', `/v1/approvals/${first}/approve`, {
      reason: 'mine',
    })
    assert.equal(self.status, 403)
    assert.equal(self.body.code, 'TG_SELF_APPROVAL')
    // Every decision says why: no reason, or a blank one, is a 400 naming the field.
    for (const body of [{}, { reason: ' ' }]) {
      const noReason = await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${first}/approve`, body)
      assert.equal(noReason.status, 400, JSON.stringify(noReason.body))
      assert.equal(noReason.body.code, 'TG_REQUEST_INVALID')
      assert.match(String(noReason.body.detail), /body\.reason/)
    }

    const ok = await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${first}/approve`, {
      reason: 'ticket OPS-7',
    })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    await psql.waitFor('stdout', /^1\|1\n2\|1$/m)
    assert.deepEqual(await values(), [1, 1], 'ran exactly once')

    // The same session, a different held statement: it needs its own approval.
    psql.send('UPDATE items SET v = v + 10 RETURNING id, v;\n')
    const second = await psql.approvalId(2)
    assert.notEqual(second, first)
    const reused = await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${first}/approve`, {
      reason: 'again',
    })
    assert.equal(reused.status, 409)
    assert.equal(reused.body.code, 'TG_CONFLICT')
    assert.deepEqual(await values(), [1, 1], 'the first approval did not release the second statement')
    assert.equal(
      (
        await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${second}/approve`, {
          reason: 'ticket OPS-8',
        })
      ).status,
      200,
    )
    await psql.waitFor('stdout', /^1\|11\n2\|11$/m)
    assert.equal(await psql.close(), 0, psql.stderr)
    assert.deepEqual(await values(), [11, 11])

    // Each statement's record names the approval that let it run and who gave it.
    const updates = (await recordedActions(psql.grantId)).filter((a) => a.text.startsWith('UPDATE'))
    assert.deepEqual(
      updates.map(({ outcome, approvalId, approvedBy, approvedByName }) => ({
        outcome,
        approvalId,
        approvedBy,
        approvedByName,
      })),
      [first, second].map((approvalId) => ({
        outcome: 'allow',
        approvalId,
        approvedBy: `sa:${setup.approverName}`,
        approvedByName: setup.approverName,
      })),
    )
  })

  test("denied: psql shows the approver's reason and the session goes on", async () => {
    const before = await values()
    await using psql = await psqlForAgent()
    psql.send("UPDATE items SET v = 0 RETURNING id;\nSELECT 'still-usable', count(*) FROM items;\n")
    const id = await psql.approvalId()
    const denied = await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${id}/deny`, {
      reason: 'not during the billing run',
    })
    assert.equal(denied.status, 200, JSON.stringify(denied.body))
    await psql.waitFor('stdout', /^still-usable\|2$/m)
    assert.match(
      psql.stderr,
      /ERROR: {2}taskgate denied this statement \(rule approval\): Denied by dba-\w+: not during the billing run/,
    )
    assert.equal(await psql.close(), 0)
    assert.deepEqual(await values(), before)
    const recorded = await recordedActions(psql.grantId)
    assert.ok(
      recorded.every((a) => a.approvalId === undefined),
      'a denied statement carries no approval, nor does the next one',
    )
  })

  test('`taskgate approvals list` shows the held statement and `taskgate approve ID` releases it', async () => {
    const before = await values()
    await using psql = await psqlForAgent()
    psql.send('UPDATE items SET v = v + 100 RETURNING id, v;\n')
    const id = await psql.approvalId()
    const env = { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.approver }
    const list = await runTaskgate(['approvals', 'list'], { env })
    assert.equal(list.code, 0, list.stderr)
    const row = list.stdout.split('\n').find((line) => line.includes(id))
    assert.ok(row, `approval ${id} not listed:\n${list.stdout}`)
    assert.match(row, /pending/)
    assert.match(row, /UPDATE items SET v = v \+ 100/)
    assert.match(row, new RegExp(setup.agentName))

    const noReason = await runTaskgate(['approve', id], { env })
    assert.equal(noReason.code, 2, noReason.stderr)
    assert.match(noReason.stderr, /--reason is required/)
    const approve = await runTaskgate(['approve', id, '--reason', 'a hundred is fine'], { env })
    assert.equal(approve.code, 0, approve.stderr)
    await psql.waitFor('stdout', new RegExp(`^1\\|${before[0]! + 100}$`, 'm'))
    assert.equal(await psql.close(), 0)
    assert.deepEqual(
      await values(),
      before.map((v) => v + 100),
    )
  })
})

test('extended protocol: the approval binds the parameter values, and other values need their own', async () => {
  const { grantId, connection } = await requestGrant(
    gw.api,
    keys.agent,
    setup.resourceId,
    'select:*,update:*',
  )
  const client = new pg.Client({ ...connection, database: connection.database ?? setup.db.name })
  const notices: string[] = []
  client.on('notice', (n) => notices.push(n.message ?? ''))
  await client.connect()
  try {
    const approvalFor = async (n: number) => {
      for (let i = 0; i < 500 && notices.length < n; i++) await new Promise((r) => setTimeout(r, 20))
      const id = /waiting for approval (\S+)/.exec(notices[n - 1] ?? '')?.[1]
      assert.ok(id, `no notice ${n}: ${notices.join(' | ')}`)
      return id
    }
    const run = async (value: number, n: number) => {
      const pending = client.query('UPDATE items SET v = $1 RETURNING id', [value])
      const id = await approvalFor(n)
      const approval = await callApi<{ summary: string }>(gw.api, keys.approver, 'GET', `/v1/approvals/${id}`)
      assert.match(
        approval.body.summary,
        new RegExp(`-- parameters: \\$1 = '${value}'`),
        'approvers see the values',
      )
      assert.equal(
        (
          await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${id}/approve`, {
            reason: `value ${value}`,
          })
        ).status,
        200,
      )
      assert.equal((await pending).rowCount, 2)
      return (await gw.gateway!.store.approvals.get(id))!
    }
    const five = await run(5, 1)
    assert.deepEqual(await values(), [5, 5])
    const six = await run(6, 2)
    assert.deepEqual(await values(), [6, 6])
    assert.notEqual(five.digest, six.digest, 'the digest covers the parameters')
    assert.ok(five.consumedAt && six.consumedAt, 'each approval was used once')
    // The record keeps the statement text; the approver saw it with its parameters.
    assert.deepEqual(
      (await recordedActions(grantId))
        .filter((a) => a.text.startsWith('UPDATE'))
        .map((a) => [a.text, a.approvalId]),
      [
        ['UPDATE items SET v = $1 RETURNING id', five.id],
        ['UPDATE items SET v = $1 RETURNING id', six.id],
      ],
    )
  } finally {
    await client.end()
  }
})

test('nobody decides within approvals.actionTimeout: the statement fails and the session goes on', async () => {
  await using short = await startPostgresGateway({
    setupSql: SETUP_SQL,
    extraConfig: `${HOLD_UNBOUNDED_WRITES.replace('{dbas}', 'dbas')}approvals: { actionTimeout: 2s }\n`,
  })
  const { credential } = await short.grant('select:*,update:*')
  await using psql = new PsqlSession(short.env(credential))
  const started = Date.now()
  psql.send("UPDATE items SET v = 9 RETURNING id;\nSELECT 'after-timeout';\n")
  await psql.approvalId()
  await psql.waitFor('stdout', /^after-timeout$/m)
  assert.ok(Date.now() - started >= 1_900, 'it waited for the timeout')
  assert.match(
    psql.stderr,
    /ERROR: {2}taskgate denied this statement \(rule approval\): No approver decided within 2s/,
  )
  assert.equal(await psql.close(), 0)
  const rows = await short.db.query('SELECT v FROM items ORDER BY id')
  assert.deepEqual(
    rows.rows.map((r: { v: number }) => r.v),
    [0, 0],
  )
})
