// Issue #10 item 11 (bounded resources per client), over MCP: each MCP session holds a server and
// data-path connections, and one principal could initialize them without end. limits.sessionsPerPrincipal
// bounds them too; one more initialize is answered 429 with a JSON-RPC error naming the limit.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { prepareGateway, startInProcess } from '../support/start-full-gateway.ts'

test('MCP sessions per principal are bounded by limits.sessionsPerPrincipal', async () => {
  await using setup = await prepareGateway({ extraConfig: 'limits: { sessionsPerPrincipal: 2 }' })
  await using running = await startInProcess(setup)
  const keys = await setup.keys()
  const initialize = (key: string) =>
    fetch(`${running.api}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
    })
  const opened: string[] = []
  for (let i = 0; i < 2; i++) {
    const r = await initialize(keys.agent)
    assert.equal(r.status, 200)
    opened.push(r.headers.get('mcp-session-id')!)
    await r.body?.cancel()
  }
  const refused = await initialize(keys.agent)
  assert.equal(refused.status, 429)
  assert.match(
    ((await refused.json()) as { error: { message: string } }).error.message,
    /sessionsPerPrincipal/,
  )
  const other = await initialize(keys.approver)
  assert.equal(other.status, 200, 'another principal is not affected')
  await other.body?.cancel()
  const ended = await fetch(`${running.api}/mcp`, {
    method: 'DELETE',
    headers: {
      authorization: `Bearer ${keys.agent}`,
      'mcp-session-id': opened[0]!,
      'mcp-protocol-version': '2025-06-18',
    },
  })
  assert.equal(ended.status, 200)
  const again = await initialize(keys.agent)
  assert.equal(again.status, 200, 'room again once one ended')
  await again.body?.cancel()
})
