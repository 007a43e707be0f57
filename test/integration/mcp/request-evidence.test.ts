// request_access over MCP answers with the evidence the approver sees (issue 16): after a task that read
// invoices, the same task asking for customers too is told that entry is wider than what its similar
// earlier task used.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { startMcpGateway } from '../../support/mcp-gateway.ts'

test('request_access returns the evidence: an entry wider than the similar earlier task used', async () => {
  await using gw = await startMcpGateway()
  const client = new Client({ name: 'taskgate-test', version: '1.0.0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gw.apiUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${gw.agentKey}` } },
    }),
  )
  try {
    const ok = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as {
        isError?: boolean
        structuredContent?: Record<string, unknown>
        content: Array<{ text?: string }>
      }
      assert.notEqual(result.isError, true, result.content[0]?.text)
      return result.structuredContent ?? {}
    }
    const task = 'total the unpaid invoices of the month'
    const first = await ok('request_access', {
      resource: gw.resourceId,
      scope: ['select:billing.invoices'],
      task,
    })
    assert.equal(first.evidence, undefined, 'nothing to compare with yet')
    await ok('query', {
      grantId: first.grantId,
      sql: 'SELECT sum(amount) FROM billing.invoices WHERE NOT paid',
    })
    await ok('end_task', { grantId: first.grantId })
    const second = await ok('request_access', {
      resource: gw.resourceId,
      scope: ['select:billing.invoices', 'select:billing.customers'],
      task,
    })
    assert.deepEqual(second.evidence, {
      similarTasks: 1,
      widerThanPast: ['select:billing.customers'],
      signals: ["requests 1 scope entry none of the principal's 1 similar earlier task(s) used"],
    })
  } finally {
    await client.close()
  }
})
