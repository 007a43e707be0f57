// What one tool call leaves in the audit log (`mcp.tool_called`), so an auditor can follow an agent's MCP
// session step by step, including the calls that run no SQL. Arguments are summarized, never copied
// whole: `params` may carry values the agent read from elsewhere (only their count is kept), and SQL text is
// cut short (the session recording holds each statement in full, as the listener received it).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'

export type ToolName = 'list_resources' | 'request_access' | 'await_approval' | 'query' | 'exec' | 'end_task'

/** One tool call as the control plane records it. */
export interface ToolCallRecord {
  tool: ToolName
  /** Groups the calls of one MCP session (one agent loop). */
  mcpSession: string
  /** The grant the call used or produced, when there is one: the audit entry's subject. */
  grantId?: string
  arguments: Record<string, unknown>
  outcome: 'ok' | 'error' | 'pending-approval'
  /** For errors: the TG_* code the agent got. */
  code?: string
  /** A few fields of the result: grant status, approval id, command and row count. */
  result: Record<string, unknown>
}

const SQL_CHARS = 2000

export function summarizeArguments(tool: ToolName, input: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const key of ['resource', 'grantId', 'approvalId', 'scope', 'task', 'ttl', 'waitSeconds', 'maxRows'])
    if (input[key] !== undefined) kept[key] = input[key]
  if (tool === 'query' && typeof input.sql === 'string') {
    kept.sql = input.sql.length > SQL_CHARS ? `${input.sql.slice(0, SQL_CHARS)}…` : input.sql
    if (Array.isArray(input.params)) kept.paramCount = input.params.length
  }
  if (tool === 'exec' && typeof input.command === 'string') {
    kept.command = input.command.length > SQL_CHARS ? `${input.command.slice(0, SQL_CHARS)}…` : input.command
    if (typeof input.stdin === 'string') kept.stdinLength = input.stdin.length
  }
  return kept
}

export function toolCallRecord(
  tool: ToolName,
  mcpSession: string,
  input: Record<string, unknown>,
  result: CallToolResult,
  /** The grant the session picked when the agent named only a resource. */
  usedGrantId?: string,
): ToolCallRecord {
  const body = (result.structuredContent ?? {}) as Record<string, unknown>
  const grantId = usedGrantId ?? stringField(input.grantId) ?? stringField(body.grantId)
  const summary: Record<string, unknown> = {}
  for (const key of [
    'status',
    'approvalId',
    'command',
    'rowCount',
    'truncated',
    'rule',
    'endReason',
    'exitStatus',
  ])
    if (body[key] !== undefined) summary[key] = body[key]
  if (tool === 'list_resources' && Array.isArray(body.resources))
    summary.resources = (body.resources as Array<{ id: string }>).map((r) => r.id)
  if (Array.isArray(body.missingScope)) summary.missingScope = body.missingScope
  return {
    tool,
    mcpSession,
    ...(grantId ? { grantId } : {}),
    arguments: summarizeArguments(tool, input),
    outcome: result.isError ? 'error' : body.status === 'pending-approval' ? 'pending-approval' : 'ok',
    ...(result.isError && typeof body.code === 'string' ? { code: body.code } : {}),
    result: summary,
  }
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}
