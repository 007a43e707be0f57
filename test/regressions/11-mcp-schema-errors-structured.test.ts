// Issue 11 (item 14): arguments that did not fit a tool's input schema came back as the SDK's text-only
// "MCP error -32602: Input validation error: …", without the code and structuredContent every other failure
// has (README "Agents over MCP"). They now come back as {code: TG_REQUEST_INVALID, message, issues, next}.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { type McpGateway, startMcpGateway } from '../support/mcp-gateway.ts'

let gw: McpGateway
let client: Client

before(async () => {
  gw = await startMcpGateway()
  client = new Client({ name: 'taskgate-test', version: '1.0.0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${gw.apiUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${gw.agentKey}` } },
    }),
  )
})
after(async () => {
  await client?.close()
  await gw?.[Symbol.asyncDispose]()
})

interface Failure {
  isError?: boolean
  structuredContent?: { code: string; message: string; issues: Array<{ path: string; message: string }> }
  content: Array<{ type: string; text: string }>
}

const call = async (name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as unknown as Failure

test('a wrong type, a missing field, an out-of-range value and an unknown argument: structured, naming each', async () => {
  const wrong = await call('query', { resource: gw.resourceId, sql: 5, maxRows: 5000, bogus: 1 })
  assert.equal(wrong.isError, true)
  const data = wrong.structuredContent!
  assert.equal(data.code, 'TG_REQUEST_INVALID')
  assert.deepEqual(
    data.issues.map((i) => i.path),
    ['sql', 'maxRows', ''],
  )
  assert.match(
    data.message,
    /^Invalid arguments for query: sql: .*; maxRows: .*1000; unknown argument "bogus"$/,
  )
  assert.deepEqual(JSON.parse(wrong.content[0]!.text), data, 'the text body is the same object')

  const missing = await call('request_access', { resource: gw.resourceId })
  assert.equal(missing.structuredContent?.code, 'TG_REQUEST_INVALID')
  // scope became one of scope or plan: the call missing both, and task, names each of them.
  assert.deepEqual(missing.structuredContent?.issues.map((i) => i.path).sort(), ['scope', 'task'])

  const both = await call('query', { grantId: 'g1', resource: gw.resourceId, sql: 'select 1' })
  assert.match(both.structuredContent?.message ?? '', /Give exactly one of grantId or resource/)

  const unknownTool = await call('drop_everything', {})
  assert.equal(unknownTool.structuredContent?.code, 'TG_REQUEST_INVALID')
  assert.match(unknownTool.structuredContent?.message ?? '', /There is no tool "drop_everything"/)
})

test('valid calls still run through the tools', async () => {
  const listed = await client.callTool({ name: 'list_resources', arguments: {} })
  assert.notEqual(listed.isError, true)
  assert.ok(JSON.stringify(listed.structuredContent).includes(gw.resourceId))
})
