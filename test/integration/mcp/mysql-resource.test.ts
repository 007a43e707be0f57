// MCP on a MySQL resource: request_access grants it like any other, and `query` (which speaks PostgreSQL)
// says plainly that it serves PostgreSQL resources, rather than sending a PostgreSQL startup to the MySQL
// listener.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { startMysqlGateway } from '../../support/start-mysql-gateway.ts'

test('mcp: request_access on a MySQL resource grants it; query refuses it with TG_REQUEST_INVALID', async () => {
  await using g = await startMysqlGateway()
  const client = new Client({ name: 'taskgate-test', version: '1.0.0' })
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${g.gateway.api.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${g.agentKey}` } },
    }),
  )
  try {
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as {
        isError?: boolean
        structuredContent: Record<string, unknown>
      }
    const granted = await call('request_access', {
      resource: g.resourceId,
      scope: [`select:${g.database}.*`],
      task: 'read customers',
      ttl: '10m',
    })
    assert.equal(granted.structuredContent.status, 'active')
    const query = await call('query', { grantId: granted.structuredContent.grantId, sql: 'SELECT 1' })
    assert.equal(query.isError, true)
    assert.equal(query.structuredContent.code, 'TG_REQUEST_INVALID')
    assert.match(
      String(query.structuredContent.message),
      /serves PostgreSQL resources; .* is a mysql resource/,
    )
  } finally {
    await client.close()
  }
})
