// The MCP tools over stdio: `taskgate mcp` as an agent's MCP client config starts it, a client of the
// gateway's REST API (the agent's key in TASKGATE_TOKEN) and of the resource's PG listener.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { mcpScenario } from './scenario.ts'

const CLI = new URL('../../../src/cli/main.ts', import.meta.url).pathname

mcpScenario('stdio', async (gw) => {
  const client = new Client({ name: 'taskgate-test', version: '1.0.0' })
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--api', gw.apiUrl],
      env: { PATH: process.env.PATH ?? '', TASKGATE_TOKEN: gw.agentKey, TASKGATE_LOG_LEVEL: 'warn' },
      stderr: 'inherit',
    }),
  )
  return client
})
