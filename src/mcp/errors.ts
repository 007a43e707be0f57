// Every way a tool call fails, as an MCP tool result: `isError: true`, a JSON text body for models that
// read text, and the same object as `structuredContent` for clients that read structure (MCP spec
// 2025-06-18, "Tool Result" and "Error Handling": tool failures are results the model can act on, not
// JSON-RPC errors). Only client-safe text goes in.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { isTaskgateError, TaskgateError } from '../core/index.ts'

/** A denial the model can act on: the rule, why, and the scope (and command) that would allow it. */
export interface DenialData {
  code: string
  rule: string
  reason: string
  missingScope?: string[]
  requestHint?: string
  /** For a denied grant request: what the principal may ask for instead. */
  allowed?: string[]
}

/** Any other failure: a stable code and a message that says what to do. */
export interface FailureData {
  code: string
  message: string
  [key: string]: unknown
}

export function toolResult(body: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(body) }], structuredContent: body }
}

export function toolError(body: DenialData | FailureData): CallToolResult {
  const data = { ...body } as Record<string, unknown>
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data, isError: true }
}

export function invalidInput(message: string): CallToolResult {
  return toolError({ code: 'TG_REQUEST_INVALID', message })
}

/**
 * A thrown failure as a tool error. TaskgateErrors (in process) and the API's problem codes (through
 * REST, `{code, message}`) keep their code; anything else is a bug and shows only a reference.
 */
export function failureResult(error: unknown, log: (ref: string, error: unknown) => void): CallToolResult {
  if (isTaskgateError(error)) {
    if (error.kind === 'internal') log(error.ref, error)
    return toolError({ code: error.code, message: error.clientMessage })
  }
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && /^(TG|HTTP)_[A-Z0-9_]+$/.test(code) && typeof message === 'string')
    return toolError({ code, message })
  const internal = new TaskgateError('TG_INTERNAL', { cause: error })
  log(internal.ref, error)
  return toolError({ code: internal.code, message: internal.clientMessage })
}
