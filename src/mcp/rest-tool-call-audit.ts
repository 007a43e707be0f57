// The tool calls of `taskgate mcp` (stdio) in the audit log. That process runs on the agent's machine with
// the agent's credential, so it cannot vouch for itself: the gateway writes the entry when it serves the
// REST requests a tool call makes. The stdio process names the call in headers on each request
// (TOOL_CALL_HEADERS); the first request of each call writes one `mcp.tool_called` entry for the principal
// that authenticated it, with what the gateway served (route, status, the request's own arguments, the
// grant it touched). The tool name, MCP session and call id are the client's word (`namedBy: 'client'`).
// A query whose statement goes straight to the resource's listener makes no request: the listener records
// it (action.*, the session recording). Sessions over HTTP (/mcp) audit in process (session.ts), so requests
// to /mcp are never counted here.
import type { IncomingHttpHeaders } from 'node:http'
import type { Logger } from 'pino'
import type { Core, Principal } from '../core/index.ts'
import { summarizeArguments, type ToolName } from './tool-call-audit.ts'

export const TOOL_CALL_HEADERS = {
  tool: 'taskgate-mcp-tool',
  session: 'taskgate-mcp-session',
  call: 'taskgate-mcp-call',
} as const

/** The headers the stdio process sends with every REST request it makes for one tool call. */
export function toolCallHeaders(call: { tool: ToolName; mcpSession: string; callId: string }) {
  return {
    [TOOL_CALL_HEADERS.tool]: call.tool,
    [TOOL_CALL_HEADERS.session]: call.mcpSession,
    [TOOL_CALL_HEADERS.call]: call.callId,
  }
}

/** One REST request as the API served it, handed over just before the response is sent. */
export interface ServedRequest {
  principal: Principal
  method: string
  /** The route pattern, e.g. `/v1/grants/:id`. */
  route: string
  headers: IncomingHttpHeaders
  params: unknown
  body: unknown
  statusCode: number
  /** The serialized response body (JSON text for every route a tool call uses). */
  payload: unknown
}

const TOOLS: ReadonlySet<string> = new Set<ToolName>([
  'list_resources',
  'request_access',
  'await_approval',
  'query',
  'end_task',
])
const ID = /^[A-Za-z0-9_-]{1,100}$/
/** Calls remembered to write one entry each; a call lasts at most minutes (await_approval waits 120 s). */
const REMEMBERED_CALLS = 10_000
/** The headers are the client's word, so a principal cannot grow the log faster than this: past it, calls
 * are counted and written as one entry at the principal's first call of a later minute. */
const ENTRIES_PER_PRINCIPAL_PER_MINUTE = 60
const MINUTE_MS = 60_000

export function createRestToolCallAuditor(core: Core, logger: Logger, now: () => number = Date.now) {
  const seen = new Set<string>()
  const budgets = new Map<string, { windowStart: number; written: number; dropped: number }>()
  const write = (entry: Parameters<Core['audit']>[0], tool: string) =>
    core
      .audit(entry)
      .catch((error: unknown) => logger.error({ err: error, tool }, 'could not audit an MCP tool call'))
  return async function auditToolCallRequest(served: ServedRequest): Promise<void> {
    const tool = header(served.headers, TOOL_CALL_HEADERS.tool)
    if (tool === undefined || served.route === '/mcp') return
    const mcpSession = header(served.headers, TOOL_CALL_HEADERS.session)
    const callId = header(served.headers, TOOL_CALL_HEADERS.call)
    // Malformed names are not the server's to repair: the request is served, and audited by what it did.
    if (!TOOLS.has(tool) || !mcpSession || !ID.test(mcpSession) || !callId || !ID.test(callId)) return
    const key = `${served.principal.id} ${mcpSession} ${callId}`
    if (seen.has(key)) return
    seen.add(key)
    if (seen.size > REMEMBERED_CALLS) seen.delete(seen.values().next().value as string)
    const principalId = served.principal.id
    const at = now()
    let budget = budgets.get(principalId)
    if (budget === undefined || at - budget.windowStart >= MINUTE_MS) {
      if (budget !== undefined && budget.dropped > 0) {
        await write(
          {
            type: 'mcp.tool_called',
            actor: principalId,
            data: {
              principal: served.principal.name,
              transport: 'stdio',
              namedBy: 'client',
              outcome: 'rate-limited',
              count: budget.dropped,
            },
          },
          tool,
        )
      }
      budget = { windowStart: at, written: 0, dropped: 0 }
      budgets.set(principalId, budget)
      if (budgets.size > REMEMBERED_CALLS) budgets.delete(budgets.keys().next().value as string)
    }
    if (budget.written >= ENTRIES_PER_PRINCIPAL_PER_MINUTE) {
      budget.dropped++
      return
    }
    budget.written++
    const { subject, ...entry } = describe(tool as ToolName, served)
    await write(
      {
        type: 'mcp.tool_called',
        actor: principalId,
        ...(subject ? { subject } : {}),
        data: {
          tool,
          principal: served.principal.name,
          mcpSession,
          callId,
          transport: 'stdio',
          namedBy: 'client',
          ...entry,
        },
      },
      tool,
    )
  }
}

type Json = Record<string, unknown>

function describe(tool: ToolName, served: ServedRequest) {
  const params = (served.params ?? {}) as Json
  const body = (served.body ?? {}) as Json
  const reply = parse(served.payload)
  const grant = (reply.grant ?? reply) as Json
  const onGrant = served.route.startsWith('/v1/grants/:id')
  const onApproval = served.route.startsWith('/v1/approvals/:id')
  const input: Json = {
    ...(onGrant ? { grantId: params.id } : {}),
    ...(onApproval ? { approvalId: params.id } : {}),
    ...(served.route === '/v1/grants' && served.method === 'POST' ? body : {}),
  }
  const served2xx = served.statusCode < 400
  // Only what the gateway served names a grant: a refused request's id is the caller's word, and would let
  // anyone attach entries to another's grant.
  const subject = !served2xx
    ? undefined
    : onApproval
      ? text(reply.grantId)
      : onGrant
        ? text(params.id)
        : text(grant.id)
  const result: Json = {}
  if (served2xx) {
    for (const key of ['status', 'approvalId', 'endReason'])
      if (grant[key] !== undefined) result[key] = grant[key]
    if (Array.isArray(reply.resources)) result.resources = (reply.resources as Json[]).map((r) => r.id)
  }
  const failed = !served2xx || reply.denial !== undefined
  const code = served.statusCode >= 400 ? text(reply.code) : reply.denial ? 'TG_GRANT_DENIED' : undefined
  return {
    subject,
    request: `${served.method} ${served.route}`,
    status: served.statusCode,
    outcome: failed ? 'error' : 'ok',
    ...(code ? { code } : {}),
    arguments: summarizeArguments(tool, input),
    result,
  }
}

function parse(payload: unknown): Json {
  if (typeof payload !== 'string') return {}
  try {
    const value = JSON.parse(payload) as unknown
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {}
  } catch {
    return {}
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}
