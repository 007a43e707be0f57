// The MCP flow every transport must pass, against a real gateway and a real PostgreSQL: declare a task,
// get a grant, query, act on a structured denial, request the missing scope, wait for a human, continue,
// have a statement held for a human and get its result once approved, end the task; results masked by a
// config rule; and bad input to every tool.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { CLEAR_CUSTOMER_VALUES, type McpGateway, startMcpGateway } from '../../support/mcp-gateway.ts'

// biome-ignore lint/suspicious/noExplicitAny: tool results are untyped JSON that the assertions check
type Json = Record<string, any>

type ToolResult = {
  isError?: boolean
  structuredContent?: Record<string, unknown>
  content: Array<{ type: string; text?: string }>
}

export function mcpScenario(transport: string, connect: (gw: McpGateway) => Promise<Client>): void {
  let gw: McpGateway
  let client: Client
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as ToolResult
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await call(name, args)
    assert.notEqual(result.isError, true, `${name} failed: ${result.content[0]?.text}`)
    assertNoSecret(result)
    return result.structuredContent as Json
  }
  const fails = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await call(name, args)
    assert.equal(result.isError, true, `${name} should fail: ${result.content[0]?.text}`)
    assertNoSecret(result)
    return { text: result.content[0]?.text ?? '', data: result.structuredContent as Json }
  }

  before(async () => {
    gw = await startMcpGateway()
    client = await connect(gw)
  })
  after(async () => {
    await client?.close()
    await gw?.[Symbol.asyncDispose]()
  })

  test(`${transport}: tools are listed with their input schemas`, async () => {
    const { tools } = await client.listTools()
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'await_approval',
      'end_task',
      'exec',
      'list_resources',
      'query',
      'request_access',
    ])
    const query = tools.find((t) => t.name === 'query')!
    assert.deepEqual(query.inputSchema.required, ['sql'])
    assert.ok(query.description?.includes('missingScope'))
    // The choices the tools check are in the schema the model reads, not only in error messages.
    assert.deepEqual((query.inputSchema as Json).oneOf, [
      { required: ['grantId'] },
      { required: ['resource'] },
    ])
    const wait = tools.find((t) => t.name === 'await_approval')!
    assert.deepEqual((wait.inputSchema as Json).oneOf, [
      { required: ['approvalId'] },
      { required: ['grantId'] },
    ])
    assert.match((query.inputSchema as Json).properties.sql.description, /only without params/)
    for (const tool of tools) assert.equal(tool.outputSchema?.type, 'object', `${tool.name} outputSchema`)
    const ended = tools.find((t) => t.name === 'end_task')!.outputSchema as Json
    assert.deepEqual(ended.anyOf, [{ required: ['grantId', 'status', 'endReason'] }, { required: ['code'] }])
  })

  test(`${transport}: request_access with a plan asks for the least scope covering its statements`, async () => {
    const { tools } = await client.listTools()
    const request = tools.find((t) => t.name === 'request_access')!
    assert.deepEqual((request.inputSchema as Json).oneOf, [{ required: ['scope'] }, { required: ['plan'] }])
    const planned = await ok('request_access', {
      resource: gw.resourceId,
      plan: 'SELECT id, amount FROM billing.invoices WHERE paid = false;',
      task: 'total the unpaid invoices',
      ttl: '10m',
    })
    assert.equal(planned.status, 'active')
    assert.deepEqual(planned.scope, ['select:billing.invoices'])
    const both = await fails('request_access', {
      resource: gw.resourceId,
      plan: 'SELECT 1 FROM billing.invoices',
      scope: ['select:billing.invoices'],
      task: 't',
    })
    assert.match(both.text, /exactly one of scope or plan/)
    await ok('end_task', { grantId: planned.grantId })
  })

  test(`${transport}: declare a task, query, act on denials, get approval, continue, end`, async () => {
    const { resources } = await ok('list_resources')
    const listed = resources.find((r: { id: string }) => r.id === gw.resourceId)
    assert.deepEqual(listed.autoApprove, ['select:billing.*'])

    const read = await ok('request_access', {
      resource: gw.resourceId,
      scope: ['select:billing.invoices'],
      task: 'reconcile unpaid invoices',
      ttl: '10m',
    })
    assert.equal(read.status, 'active')
    const rows = await ok('query', {
      grantId: read.grantId,
      sql: 'SELECT id, customer, amount, paid, issued_at FROM billing.invoices WHERE paid = $1 ORDER BY id',
      params: [false],
    })
    assert.deepEqual(
      rows.columns.map((c: { name: string }) => c.name),
      ['id', 'customer', 'amount', 'paid', 'issued_at'],
    )
    assert.deepEqual(rows.rows, [
      [2, 'globex', '99.00', false, '2024-01-02 03:04:05+00'],
      [3, 'initech', '5.25', false, '2024-01-02 03:04:05+00'],
    ])
    assert.equal(rows.rowCount, 2)
    assert.equal(rows.truncated, false)
    const few = await ok('query', {
      resource: gw.resourceId,
      sql: 'SELECT id FROM billing.invoices',
      maxRows: 1,
    })
    assert.equal(few.rows.length, 1)
    assert.equal(few.rowCount, 3)
    assert.equal(few.truncated, true)

    const denied = await fails('query', {
      grantId: read.grantId,
      sql: 'DELETE FROM billing.invoices WHERE id = 3',
    })
    assert.equal(denied.data.code, 'TG_SCOPE_MISSING')
    assert.equal(denied.data.rule, 'scope')
    assert.deepEqual(denied.data.missingScope, ['delete:billing.invoices'])
    assert.match(denied.data.requestHint, /^taskgate grant request /)
    assert.match(denied.data.next, /request_access/)
    assert.deepEqual(JSON.parse(denied.text), denied.data)
    const guardrail = await fails('query', { grantId: read.grantId, sql: 'DELETE FROM billing.invoices' })
    assert.equal(guardrail.data.code, 'TG_GUARDRAIL')
    assert.equal(guardrail.data.rule, 'guardrail:no-unbounded-write')
    assert.match(guardrail.data.reason, /no-unbounded-write: UPDATE or DELETE without a restricting WHERE/)
    assert.match(guardrail.data.requestHint, /guardrail applies whatever the grant/)
    assert.equal(guardrail.data.missingScope, undefined, 'more scope would not help')
    assert.deepEqual(JSON.parse(guardrail.text), guardrail.data)

    // Request what the denial named (plus the read its WHERE needs, and the payment to remove): above
    // autoApprove, so a DBA approves.
    const write = await ok('request_access', {
      resource: gw.resourceId,
      scope: [
        ...denied.data.missingScope,
        'select:billing.invoices',
        'delete:billing.payments',
        'select:billing.payments',
      ],
      task: 'remove the duplicate invoice 3 and payment 10',
    })
    assert.equal(write.status, 'pending')
    assert.ok(write.approvalId)
    const stillPending = await ok('await_approval', { grantId: write.grantId, waitSeconds: 0 })
    assert.equal(stillPending.status, 'pending')
    setTimeout(() => void gw.decide(write.approvalId, 'approve', 'duplicates confirmed'), 300)
    const approved = await ok('await_approval', { approvalId: write.approvalId, waitSeconds: 20 })
    assert.equal(approved.status, 'active')
    const deleted = await ok('query', {
      grantId: write.grantId,
      sql: 'DELETE FROM billing.invoices WHERE id = 3',
    })
    assert.equal(deleted.rowCount, 1)
    assert.equal(deleted.command, 'DELETE')

    // A guardrail holds the statement for a human even though the grant covers it: the agent gets the
    // approval to wait for, nothing runs meanwhile, and once a DBA approves, await_approval returns its result.
    const held = await ok('query', {
      grantId: write.grantId,
      sql: 'DELETE FROM billing.payments WHERE id = 10 RETURNING id, invoice_id',
      approvalWaitSeconds: 0,
    })
    assert.equal(held.status, 'pending-approval', JSON.stringify(held))
    assert.match(held.approvalId, /^\w+$/)
    assert.match(held.next, /await_approval/)
    const busy = await fails('query', { grantId: write.grantId, sql: 'SELECT 1' })
    assert.match(busy.text, new RegExp(`waits for approval ${held.approvalId}`))
    const waiting = await ok('await_approval', { approvalId: held.approvalId, waitSeconds: 0 })
    assert.equal(waiting.status, 'pending-approval')
    assert.equal((await gw.db.query('SELECT count(*)::int AS n FROM billing.payments')).rows[0].n, 1)
    setTimeout(() => void gw.decide(held.approvalId, 'approve', 'payment 10 was a test'), 300)
    const released = await ok('await_approval', { approvalId: held.approvalId, waitSeconds: 20 })
    assert.equal(released.command, 'DELETE')
    assert.equal(released.rowCount, 1)
    assert.deepEqual(released.rows, [[10, 1]])
    assert.equal((await gw.db.query('SELECT count(*)::int AS n FROM billing.payments')).rows[0].n, 0)

    for (const grantId of [read.grantId, write.grantId]) {
      const ended = await ok('end_task', { grantId })
      assert.equal(ended.status, 'ended')
    }
    // The grant's credential no longer works: the listener refuses it and the agent is told to ask again.
    const after = await fails('query', { grantId: write.grantId, sql: 'SELECT 1' })
    assert.equal(after.data.code, 'TG_GRANT_NOT_ACTIVE')
  })

  test(`${transport}: masked columns reach the agent masked, never in clear`, async () => {
    const read = await ok('request_access', {
      resource: gw.resourceId,
      scope: ['select:billing.customers'],
      task: 'list customer contacts',
    })
    assert.equal(read.status, 'active')
    const result = await call('query', {
      grantId: read.grantId,
      sql: 'SELECT id, name, email, card FROM billing.customers ORDER BY id',
    })
    assert.notEqual(result.isError, true, result.content[0]?.text)
    const rows = (result.structuredContent as Json).rows
    assert.deepEqual(rows, [
      [1, 'acme', 'a****@*****.example', '**** **** **** 1111'],
      [2, 'globex', 'b****@*****.example', '**** **** **** 0004'],
    ])
    const everything = JSON.stringify(result)
    for (const clear of CLEAR_CUSTOMER_VALUES) assert.ok(!everything.includes(clear), `${clear} leaked`)
    await ok('end_task', { grantId: read.grantId })
  })

  test(`${transport}: a grant request outside the ceiling is denied with what may be asked`, async () => {
    const denied = await fails('request_access', {
      resource: gw.resourceId,
      scope: ['drop:billing.invoices'],
      task: 'clean up',
    })
    assert.equal(denied.data.code, 'TG_GRANT_DENIED')
    assert.ok(denied.data.allowed.includes('select:billing.*'))
  })

  test(`${transport}: an approver's denial reaches the agent`, async () => {
    const write = await ok('request_access', {
      resource: gw.resourceId,
      scope: ['update:billing.invoices'],
      task: 'mark invoice 2 paid',
    })
    await gw.decide(write.approvalId, 'deny', 'use the payments job instead')
    const denied = await fails('await_approval', { grantId: write.grantId, waitSeconds: 5 })
    assert.equal(denied.data.code, 'TG_GRANT_DENIED')
    assert.match(denied.data.reason, /payments job/)
  })

  test(`${transport}: bad input to every tool is a clear tool error`, async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['list_resources', { extra: 1 }, /extra|unrecognized/i],
      ['request_access', { resource: gw.resourceId, task: 'x' }, /scope/],
      ['request_access', { scope: ['select:billing.x'], task: 'x' }, /resource/],
      ['request_access', { resource: gw.resourceId, scope: ['select:billing.x'] }, /task/],
      [
        'request_access',
        { resource: gw.resourceId, scope: 'select:billing.x', task: 'x' },
        /array[\s\S]*scope/,
      ],
      ['request_access', { resource: 7, scope: ['select:billing.x'], task: 'x' }, /string[\s\S]*resource/],
      ['request_access', { resource: gw.resourceId, scope: [], task: 'x' }, /scope/],
      ['request_access', { resource: gw.resourceId, scope: ['select billing'], task: 'x' }, /verb:object/],
      ['request_access', { resource: gw.resourceId, scope: ['select:billing.x'], task: 'x', ttl: 5 }, /ttl/],
      ['request_access', { resource: 'no-such-db', scope: ['select:a.b'], task: 'x' }, /TG_RESOURCE_UNKNOWN/],
      ['await_approval', {}, /exactly one/],
      ['await_approval', { grantId: 'g1', approvalId: 'a1' }, /exactly one/],
      ['await_approval', { grantId: 'g1', waitSeconds: 500 }, /waitSeconds/],
      ['await_approval', { grantId: 'g1', waitSeconds: 'ten' }, /number[\s\S]*waitSeconds/],
      ['await_approval', { grantId: 42 }, /string[\s\S]*grantId/],
      ['await_approval', { approvalId: 'anosuchapproval1' }, /TG_NOT_FOUND/],
      ['query', { resource: gw.resourceId }, /sql/],
      ['query', { resource: gw.resourceId, sql: 'SELECT 1', maxRows: 5000 }, /maxRows/],
      ['query', { sql: 'SELECT 1' }, /exactly one/],
      ['query', { grantId: 'g1', resource: gw.resourceId, sql: 'SELECT 1' }, /exactly one/],
      ['query', { resource: gw.resourceId, sql: 42 }, /string[\s\S]*sql/],
      ['query', { resource: gw.resourceId, sql: 'SELECT $1', params: 'x' }, /array[\s\S]*params/],
      ['query', { resource: gw.resourceId, sql: 'SELECT $1', params: [{ a: 1 }] }, /params/],
      ['query', { resource: gw.resourceId, sql: 'SELECT 1', maxRows: 1.5 }, /maxRows/],
      ['query', { grantId: 'gnosuchgrant', sql: 'SELECT 1' }, /TG_NOT_FOUND/],
      ['query', { resource: 'no-such-db', sql: 'SELECT 1' }, /TG_GRANT_NOT_ACTIVE/],
      ['end_task', {}, /grantId/],
      ['end_task', { grantId: 42 }, /string[\s\S]*grantId/],
      ['end_task', { grantId: 'g1', reason: 'done' }, /reason|unrecognized/i],
      ['end_task', { grantId: 'gnosuchgrant' }, /TG_NOT_FOUND/],
      ['no_such_tool', {}, /There is no tool .*no_such_tool/],
    ]
    for (const [name, args, expected] of cases) {
      const { text, data } = await fails(name, args)
      assert.match(text, expected, `${name} ${JSON.stringify(args)} -> ${text}`)
      // Every failure, schema ones included, has the documented shape: a TG_* code, the text is the same object.
      assert.match(String(data?.code), /^TG_[A-Z_]+$/, `${name} ${JSON.stringify(args)} -> ${text}`)
      assert.deepEqual(JSON.parse(text), data)
    }
    const grant = await ok('request_access', {
      resource: gw.resourceId,
      scope: ['select:billing.*'],
      task: 'x',
    })
    const unparsable = await fails('query', { grantId: grant.grantId, sql: 'SELEC * FROM billing.invoices' })
    assert.match(unparsable.data.code, /^TG_/)
    assert.ok(unparsable.data.reason ?? unparsable.data.message)
    // The connection survives a failed statement.
    assert.equal((await ok('query', { grantId: grant.grantId, sql: 'SELECT 1 AS one' })).rows[0][0], 1)
    // As the sql description says: a batch runs without params (its last result), not with them.
    const batch = await ok('query', { grantId: grant.grantId, sql: 'SELECT 1 AS one; SELECT 2 AS two' })
    assert.deepEqual([batch.columns[0].name, batch.rows], ['two', [[2]]])
    const withParams = await fails('query', {
      grantId: grant.grantId,
      sql: 'SELECT $1::int AS one; SELECT 2 AS two',
      params: [1],
    })
    assert.match(withParams.text, /multiple commands|42601/)
    await ok('end_task', { grantId: grant.grantId })
  })
}

/** Credentials stay in the MCP server: no tool result may carry a grant password. */
function assertNoSecret(result: ToolResult): void {
  const text = JSON.stringify(result)
  assert.doesNotMatch(text, /tgc_[A-Za-z0-9_-]{20,}/)
  assert.doesNotMatch(text, /password/i)
}
