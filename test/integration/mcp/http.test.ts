// The MCP tools over streamable HTTP at <api>/mcp, with the SDK's own client and the agent's bearer key;
// plus what only HTTP has: authentication and sessions bound to their principal.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { startMcpGateway } from '../../support/mcp-gateway.ts'
import { mcpScenario } from './scenario.ts'

async function connect(apiUrl: string, key: string): Promise<Client> {
  const client = new Client({ name: 'taskgate-test', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(`${apiUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  })
  await client.connect(transport)
  return client
}

mcpScenario('http', (gw) => connect(gw.apiUrl, gw.agentKey))

test('http: /mcp needs a bearer and a session answers only its own principal', async () => {
  await using gw = await startMcpGateway()
  const anonymous = await fetch(`${gw.apiUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  })
  assert.equal(anonymous.status, 401)
  assert.equal(((await anonymous.json()) as { code: string }).code, 'TG_AUTH_MISSING')

  const client = await connect(gw.apiUrl, gw.agentKey)
  const transport = client.transport as StreamableHTTPClientTransport
  const stolen = await fetch(`${gw.apiUrl}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${gw.dbaKey}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': transport.sessionId!,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  })
  assert.equal(stolen.status, 404)
  await transport.terminateSession()
  await client.close()
})
