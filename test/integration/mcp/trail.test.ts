// What an auditor sees of an agent's MCP session, read back through the REST API as an approver would:
// every tool call in the hash-chained audit log in order (the ones that run no SQL too; over stdio as the
// gateway served them), each `query` as a statement of the grant's PostgreSQL session recording with its
// decision and masked result, and the grant's credential refused by the listener once the task ends.
// Also: TLS-only resources and OIDC tokens.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import pg from 'pg'
import pino from 'pino'
import { coreControlPlane } from '../../../src/mcp/core-control-plane.ts'
import type { DataPathCredential } from '../../../src/mcp/index.ts'
import { createMcpServer } from '../../../src/mcp/index.ts'
import { CLEAR_CUSTOMER_VALUES, type McpGateway, startMcpGateway } from '../../support/mcp-gateway.ts'
import { startOidcProvider } from '../../support/start-oidc.ts'

// biome-ignore lint/suspicious/noExplicitAny: tool results and API bodies are untyped JSON the assertions check
type Json = Record<string, any>

const CLI = new URL('../../../src/cli/main.ts', import.meta.url).pathname

async function connectHttp(
  gw: McpGateway,
  bearer: string,
  headers: Record<string, string> = {},
): Promise<Client> {
  const client = new Client({ name: 'taskgate-trail-test', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(`${gw.apiUrl}/mcp`), {
    requestInit: { headers: { ...headers, authorization: `Bearer ${bearer}` } },
  })
  await client.connect(transport)
  return client
}

function tools(client: Client) {
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as {
      isError?: boolean
      structuredContent?: Json
      content: Array<{ text?: string }>
    }
    return {
      isError: result.isError === true,
      data: result.structuredContent as Json,
      text: result.content[0]?.text,
    }
  }
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await call(name, args)
    assert.equal(result.isError, false, `${name} failed: ${result.text}`)
    return result.data
  }
  return { call, ok }
}

const api = async (gw: McpGateway, path: string, key = gw.dbaKey): Promise<Json> => {
  const response = await fetch(`${gw.apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } })
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`)
  return (await response.json()) as Json
}

/** The agent's steps, the same over every transport; checks the session recordings; returns the audit log. */
async function runTrail(gw: McpGateway, client: Client) {
  const { call, ok } = tools(client)
  await ok('list_resources')
  const read = await ok('request_access', {
    resource: gw.resourceId,
    scope: ['select:billing.customers', 'select:billing.invoices'],
    task: 'check customer contacts',
  })
  const customers = await ok('query', {
    resource: gw.resourceId,
    sql: 'SELECT id, name, email, card FROM billing.customers ORDER BY id',
  })
  assert.equal(customers.rows[0][2], 'a****@*****.example')
  const denied = await call('query', {
    grantId: read.grantId,
    sql: 'DELETE FROM billing.invoices WHERE id = 3',
  })
  assert.equal(denied.data.code, 'TG_SCOPE_MISSING')
  const write = await ok('request_access', {
    resource: gw.resourceId,
    scope: ['update:billing.invoices', 'select:billing.invoices'],
    task: 'mark invoice 2 paid',
  })
  assert.equal(write.status, 'pending')
  await gw.decide(write.approvalId, 'approve', 'invoice 2 is paid')
  assert.equal((await ok('await_approval', { grantId: write.grantId, waitSeconds: 10 })).status, 'active')
  await ok('query', {
    grantId: write.grantId,
    sql: 'UPDATE billing.invoices SET paid = $1 WHERE id = 2',
    params: [true],
  })
  await ok('end_task', { grantId: read.grantId })
  await ok('end_task', { grantId: write.grantId })

  // The recording: one PostgreSQL session per grant, each statement with its decision, the result masked.
  const readSessions = (await api(gw, `/v1/sessions?grant=${read.grantId}`)).sessions as Json[]
  assert.equal(readSessions.length, 1)
  assert.equal(readSessions[0]!.protocol, 'postgres')
  assert.equal(readSessions[0]!.resourceId, gw.resourceId)
  assert.ok(readSessions[0]!.endedAt, 'the session ends with the task')
  const readRecording = await api(gw, `/v1/sessions/${readSessions[0]!.id}`)
  const statements = (readRecording.actions as Json[]).filter((a) => /billing\./.test(a.text))
  assert.deepEqual(
    statements.map((a) => [a.text, a.outcome]),
    [
      ['SELECT id, name, email, card FROM billing.customers ORDER BY id', 'allow'],
      ['DELETE FROM billing.invoices WHERE id = 3', 'deny'],
    ],
  )
  const recorded = JSON.stringify(statements[0]!.result ?? {})
  assert.match(recorded, /a\*\*\*\*@\*\*\*\*\*\.example/, 'the recording keeps the masked rows')
  for (const clear of CLEAR_CUSTOMER_VALUES) assert.ok(!JSON.stringify(readRecording).includes(clear), clear)
  const writeSessions = (await api(gw, `/v1/sessions?grant=${write.grantId}`)).sessions as Json[]
  const writeRecording = await api(gw, `/v1/sessions/${writeSessions[0]!.id}`)
  const update = (writeRecording.actions as Json[]).find((a) => a.text.startsWith('UPDATE'))
  assert.equal(update?.outcome, 'allow')
  assert.equal(update?.rowCount, 1)

  // The whole log as an administrator reads it; the approver reads the same minus the entries that concern
  // no resource (list_resources named none).
  const entries = (await api(gw, '/v1/audit?limit=1000', gw.adminKey)).entries as Json[]
  const approverView = (await api(gw, '/v1/audit?limit=1000')).entries as Json[]
  const seen = new Set(approverView.map((e) => e.seq))
  assert.ok(approverView.every((e) => entries.some((a) => a.seq === e.seq)))
  for (const e of entries.filter((e) => e.subject === read.grantId || e.subject === write.grantId))
    assert.ok(seen.has(e.seq), `the approver sees ${e.type} of the grant`)
  assert.ok(!approverView.some((e) => e.data?.tool === 'list_resources'), 'list_resources names no resource')
  const agentId = entries.find((e) => e.type === 'grant.requested' && e.subject === read.grantId)!.actor
  const trail = entries
    .filter((e) => e.actor === agentId || e.type === 'grant.approved')
    .map((e) => (e.type === 'mcp.tool_called' ? `${e.data.tool}:${e.data.outcome}` : e.type))
    // Logins, sessions and credential issues are checked elsewhere; their count per request is not this test's business.
    .filter((t) => !/^(session|login)\./.test(t) && t !== 'grant.issued' && t !== 'credential.issued')
  const calls = entries.filter((e) => e.type === 'mcp.tool_called')
  assert.equal(new Set(calls.map((e) => e.data.mcpSession)).size, 1, 'one MCP session groups them')
  assert.equal(calls[0]!.data.principal, `agent-${gw.agentGroup.slice('agents-'.length)}`)
  const everything = JSON.stringify(entries)
  assert.doesNotMatch(everything, /tgc_[A-Za-z0-9_-]{20,}/, 'no credential in the audit log')
  assert.doesNotMatch(everything, /password/i, 'no credential in the audit log')
  for (const clear of CLEAR_CUSTOMER_VALUES) assert.ok(!everything.includes(clear), clear)
  assert.equal((await api(gw, '/v1/audit/verify')).ok, true)
  return { read, write, trail, calls }
}

test('http: every tool call is audited in order and every query is in the session recording', async () => {
  await using gw = await startMcpGateway()
  // Headers that name a tool call, as `taskgate mcp` sends them, must not add entries to the session's own.
  const client = await connectHttp(gw, gw.agentKey, {
    'taskgate-mcp-tool': 'list_resources',
    'taskgate-mcp-session': 'forged-session',
    'taskgate-mcp-call': 'forged-call',
  })
  const { read, write, trail, calls } = await runTrail(gw, client).finally(() => client.close())

  // The audit log: each tool call, in order, between the events core writes for what it did.
  assert.deepEqual(trail, [
    'list_resources:ok',
    'grant.requested',
    'request_access:ok',
    'query:ok',
    'action.denied',
    'query:error',
    'grant.requested',
    'approval.requested',
    'request_access:ok',
    'grant.approved',
    'await_approval:ok',
    'query:ok',
    'grant.ended',
    'end_task:ok',
    'grant.ended',
    'end_task:ok',
  ])
  assert.ok(calls.every((e) => e.data.mcpSession !== 'forged-session'))
  const [, , readQuery, deniedQuery, , , writeQuery] = calls as [Json, Json, Json, Json, Json, Json, Json]
  assert.equal(readQuery.subject, read.grantId, 'a query by resource names the grant it used')
  assert.equal(
    readQuery.data.arguments.sql,
    'SELECT id, name, email, card FROM billing.customers ORDER BY id',
  )
  assert.equal(readQuery.data.result.rowCount, 2)
  assert.equal(deniedQuery.data.code, 'TG_SCOPE_MISSING')
  assert.deepEqual(deniedQuery.data.result.missingScope, ['delete:billing.invoices'])
  assert.equal(writeQuery.subject, write.grantId)
  assert.equal(writeQuery.data.arguments.paramCount, 1)
  assert.equal(writeQuery.data.arguments.params, undefined, 'bound values stay out of the audit log')
})

test('stdio: the gateway audits each tool call it serves; queries are in the session recording', async () => {
  await using gw = await startMcpGateway()
  const client = new Client({ name: 'taskgate-trail-test', version: '1.0.0' })
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--api', gw.apiUrl],
      env: { PATH: process.env.PATH ?? '', TASKGATE_TOKEN: gw.agentKey, TASKGATE_LOG_LEVEL: 'warn' },
      stderr: 'inherit',
    }),
  )
  await using _closeClient = { [Symbol.asyncDispose]: () => client.close() }
  const { read, write, trail, calls } = await runTrail(gw, client)

  // The same order as over HTTP, written by the gateway as it served each call's first request. The
  // queries went straight to the listener (the grant's credential was in hand): their trace is the
  // recording checked above and core's action.denied, not a tool-call entry.
  assert.deepEqual(trail, [
    'list_resources:ok',
    'grant.requested',
    'request_access:ok',
    'action.denied',
    'grant.requested',
    'approval.requested',
    'request_access:ok',
    'grant.approved',
    'await_approval:ok',
    'grant.ended',
    'end_task:ok',
    'grant.ended',
    'end_task:ok',
  ])
  const [list, readAccess, writeAccess, wait, endRead, endWrite] = calls as [
    Json,
    Json,
    Json,
    Json,
    Json,
    Json,
  ]
  for (const entry of calls) {
    assert.equal(entry.data.transport, 'stdio')
    assert.equal(entry.data.namedBy, 'client', "the tool name is the client's word")
  }
  assert.equal(new Set(calls.map((e) => e.data.callId)).size, calls.length, 'one entry per tool call')
  assert.equal(list.data.request, 'GET /v1/resources')
  assert.deepEqual(list.data.result.resources, [gw.resourceId])
  assert.equal(readAccess.subject, read.grantId)
  assert.equal(readAccess.data.request, 'POST /v1/grants')
  assert.deepEqual(readAccess.data.arguments.scope, ['select:billing.customers', 'select:billing.invoices'])
  assert.equal(readAccess.data.result.status, 'active')
  assert.equal(writeAccess.data.result.status, 'pending')
  // await_approval read the grant, then fetched its credential: one call, one entry.
  assert.equal(wait.subject, write.grantId)
  assert.equal(wait.data.request, 'GET /v1/grants/:id')
  assert.equal(wait.data.result.status, 'active')
  assert.equal(endRead.subject, read.grantId)
  assert.equal(endRead.data.request, 'POST /v1/grants/:id/end')
  assert.equal(endWrite.data.result.status, 'ended')

  // A wait that polls many times is still one entry; a failed call is recorded with the API's code.
  const { call, ok } = tools(client)
  const pending = await ok('request_access', {
    resource: gw.resourceId,
    scope: ['update:billing.invoices'],
    task: 'mark invoice 3 paid',
  })
  assert.equal((await ok('await_approval', { grantId: pending.grantId, waitSeconds: 2 })).status, 'pending')
  assert.equal((await call('end_task', { grantId: 'gnosuchgrant' })).data.code, 'TG_NOT_FOUND')
  await client.close()
  // Read as an administrator: the failed end_task names a grant that does not exist, so no resource.
  const later = ((await api(gw, '/v1/audit?limit=1000', gw.adminKey)).entries as Json[]).filter(
    (e) => e.type === 'mcp.tool_called' && !calls.some((c) => c.seq === e.seq),
  )
  assert.deepEqual(
    later.map((e) => [e.data.tool, e.data.outcome, e.data.code]),
    [
      ['request_access', 'ok', undefined],
      ['await_approval', 'ok', undefined],
      ['end_task', 'error', 'TG_NOT_FOUND'],
    ],
  )
  assert.equal(later[1]!.subject, pending.grantId)
})

test('after end_task the credential the MCP server held is refused by the PostgreSQL listener', async () => {
  await using gw = await startMcpGateway()
  const { core } = gw.gateway
  const agent = await core.authenticate(gw.agentKey)
  // The in-process control plane, watched: the credentials it hands the MCP session are the ones tried.
  const plane = coreControlPlane(core, agent)
  const held: DataPathCredential[] = []
  const mcp = createMcpServer({
    plane: {
      ...plane,
      async requestGrant(request) {
        const outcome = await plane.requestGrant(request)
        if (outcome.credential) held.push(outcome.credential)
        return outcome
      },
    },
    logger: pino({ level: 'silent' }),
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await mcp.server.connect(serverSide)
  const client = new Client({ name: 'taskgate-trail-test', version: '1.0.0' })
  await client.connect(clientSide)
  const { call, ok } = tools(client)

  const grant = await ok('request_access', {
    resource: gw.resourceId,
    scope: ['select:billing.invoices'],
    task: 'count invoices',
  })
  await ok('query', { grantId: grant.grantId, sql: 'SELECT count(*) FROM billing.invoices' })
  const credential = held[0]!
  const login = () => {
    const { host, port, user, password, database } = credential.connection
    const pgClient = new pg.Client({
      host,
      port,
      user,
      password,
      database,
      ssl: { rejectUnauthorized: false },
    })
    return pgClient.connect().then(
      async () => {
        await pgClient.end()
        return 'ok'
      },
      (error: { code?: string }) => error.code,
    )
  }
  assert.equal(await login(), 'ok', 'the credential works while the grant is active')
  assert.equal((await ok('end_task', { grantId: grant.grantId })).status, 'ended')
  assert.equal(await login(), '28000', 'the listener refuses the ended grant credential, saying why')
  const after = await call('query', { grantId: grant.grantId, sql: 'SELECT 1' })
  assert.equal(after.data.code, 'TG_GRANT_NOT_ACTIVE')
  await client.close()
  await mcp.close()
})

test('http: a resource that requires TLS and cleartext passwords is queried over MCP', async () => {
  await using gw = await startMcpGateway({ clients: { requireTls: true, authMethod: 'password' } })
  // The listener really refuses clients without TLS: the MCP data path must be using it.
  const plain = new pg.Client({
    host: '127.0.0.1',
    port: listenPort(gw),
    user: 'x',
    database: 'x',
    ssl: false,
  })
  plain.on('error', () => {})
  const refused = await plain.connect().then(
    () => 'connected',
    (error: { code?: string }) => error.code,
  )
  assert.equal(refused, '28000')
  const client = await connectHttp(gw, gw.agentKey)
  const { ok } = tools(client)
  const grant = await ok('request_access', {
    resource: gw.resourceId,
    scope: ['select:billing.invoices'],
    task: 'sum unpaid invoices',
  })
  const sum = await ok('query', {
    grantId: grant.grantId,
    sql: 'SELECT sum(amount)::text AS due FROM billing.invoices WHERE NOT paid',
  })
  assert.deepEqual(sum.rows, [['104.25']])
  await ok('end_task', { grantId: grant.grantId })
  await client.close()
})

test('http: an OIDC access token from the IdP opens an MCP session under its groups', async () => {
  const suffix = `oidc${Date.now().toString(36)}`
  await using idp = await startOidcProvider({
    clients: [
      { clientId: `bot-${suffix}`, clientSecret: 'bot-secret-0123456789ab', groups: [`agents-${suffix}`] },
    ],
  })
  await using gw = await startMcpGateway({
    suffix,
    oidc: { issuer: idp.issuer, audience: idp.audience, clientId: idp.clientId },
  })
  const token = await idp.clientCredentialsToken(`bot-${suffix}`, 'bot-secret-0123456789ab')
  const client = await connectHttp(gw, token)
  const { ok } = tools(client)
  const { resources } = await ok('list_resources')
  assert.deepEqual(
    resources.map((r: Json) => r.id),
    [gw.resourceId],
    'policy applies to the groups in the token',
  )
  const grant = await ok('request_access', {
    resource: gw.resourceId,
    scope: ['select:billing.invoices'],
    task: 'count invoices',
  })
  assert.equal(grant.status, 'active')
  const count = await ok('query', {
    grantId: grant.grantId,
    sql: 'SELECT count(*)::int AS n FROM billing.invoices',
  })
  assert.deepEqual(count.rows, [[3]])
  await ok('end_task', { grantId: grant.grantId })
  await client.close()
  const bad = await fetch(`${gw.apiUrl}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token.slice(0, -4)}AAAA`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  })
  assert.equal(bad.status, 401)
})

function listenPort(gw: McpGateway): number {
  return gw.gateway.resources.get(gw.resourceId)!.port
}
