// The streamable HTTP transport inside the gateway (MCP spec 2025-06-18, "Streamable HTTP"): the API
// authenticates each request's bearer and hands it here with its principal. One MCP server and McpSession
// per MCP session id; a session belongs to the principal that initialized it and answers nobody else.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import type { Logger } from 'pino'
import { type Core, type Principal, TaskgateError } from '../core/index.ts'
import { coreControlPlane } from './core-control-plane.ts'
import { createRestToolCallAuditor, type ServedRequest } from './rest-tool-call-audit.ts'
import { createMcpServer, type TaskgateMcpServer } from './server.ts'

export interface McpHttpHandler {
  /** Serves POST/GET/DELETE on the MCP endpoint for an authenticated principal; `body` is the parsed JSON. */
  handle(req: IncomingMessage, res: ServerResponse, principal: Principal, body: unknown): Promise<void>
  /** Audits the REST requests `taskgate mcp` (stdio) makes for a tool call: one entry per call. */
  auditToolCallRequest(served: ServedRequest): Promise<void>
  /** Closes every MCP session and its data-path connections. */
  close(): Promise<void>
}

interface LiveSession {
  principalId: string
  transport: StreamableHTTPServerTransport
  mcp: TaskgateMcpServer
  lastSeenAt: number
}

const IDLE_MS = 30 * 60_000
const SWEEP_MS = 60_000

export function createMcpHttpHandler(options: {
  core: Core
  logger: Logger
  idleMs?: number
}): McpHttpHandler {
  const { core } = options
  const logger = options.logger.child({ component: 'mcp' })
  const sessions = new Map<string, LiveSession>()
  const idleMs = options.idleMs ?? IDLE_MS

  const end = async (id: string, reason: string) => {
    const live = sessions.get(id)
    if (!live) return
    sessions.delete(id)
    logger.info({ mcpSession: id, reason }, 'MCP session closed')
    await live.mcp.close()
    await live.transport.close().catch(() => {})
  }
  // Agents that vanish without DELETE would otherwise keep their data-path connections open.
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const [id, live] of sessions) if (now - live.lastSeenAt > idleMs) void end(id, 'idle')
  }, SWEEP_MS)
  sweep.unref()

  async function open(principal: Principal): Promise<StreamableHTTPServerTransport> {
    const mcp = createMcpServer({
      plane: coreControlPlane(core, principal),
      logger: logger.child({ principal: principal.name }),
    })
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { principalId: principal.id, transport, mcp, lastSeenAt: Date.now() })
        logger.info({ mcpSession: id, principal: principal.name }, 'MCP session opened')
      },
    })
    transport.onclose = () => {
      if (transport.sessionId) void end(transport.sessionId, 'closed by client')
      else void mcp.close()
    }
    await mcp.server.connect(transport)
    return transport
  }

  async function serve(req: IncomingMessage, res: ServerResponse, principal: Principal, body: unknown) {
    const id = header(req, 'mcp-session-id')
    if (id === undefined) {
      if (req.method === 'POST' && isInitializeRequest(body)) {
        // Each MCP session holds a server and data-path connections: one principal may hold as many as
        // limits.sessionsPerPrincipal allows it data-path sessions.
        const limit = core.config.limits.sessionsPerPrincipal
        let held = 0
        for (const live of sessions.values()) if (live.principalId === principal.id) held++
        if (held >= limit)
          return jsonRpcError(
            res,
            429,
            -32000,
            `${principal.name} already has ${held} MCP sessions open, the most it may (limits.sessionsPerPrincipal); end one with DELETE or let it idle out.`,
          )
        const transport = await open(principal)
        await transport.handleRequest(req, res, body)
        return
      }
      return jsonRpcError(
        res,
        400,
        -32000,
        'Bad request: no Mcp-Session-Id; start with an initialize request.',
      )
    }
    const live = sessions.get(id)
    // Another principal's session id is answered as unknown: ids are not capabilities.
    if (!live || live.principalId !== principal.id)
      return jsonRpcError(res, 404, -32001, 'Session not found; start a new session with initialize.')
    live.lastSeenAt = Date.now()
    await live.transport.handleRequest(req, res, body)
  }

  return {
    auditToolCallRequest: createRestToolCallAuditor(core, logger),
    async handle(req, res, principal, body) {
      try {
        await serve(req, res, principal, body)
      } catch (error) {
        // The API handed the raw response over: a failure here must still answer, or the client hangs.
        const failure = new TaskgateError('TG_INTERNAL', { cause: error })
        logger.error({ err: error, ref: failure.ref }, 'MCP request failed')
        if (!res.headersSent) jsonRpcError(res, 500, -32603, failure.clientMessage)
        else res.end()
      }
    },
    async close() {
      clearInterval(sweep)
      await Promise.all([...sessions.keys()].map((id) => end(id, 'gateway shutting down')))
    },
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }))
}
