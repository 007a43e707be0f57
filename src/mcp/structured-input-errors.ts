// The SDK answers arguments that do not fit a tool's input schema with a text-only error
// ("MCP error -32602: Input validation error: …"): no code, no structuredContent, unlike every other failure
// (errors.ts). This takes over tools/call so those come back in the documented shape too:
// {code: "TG_REQUEST_INVALID", message, issues: [{path, message}], next}.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { CallToolRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Logger } from 'pino'
import type { z } from 'zod'
import { failureResult, toolError } from './errors.ts'

export interface ToolEntry {
  input: z.ZodType
  output: z.ZodType
  run(input: never, extra: never): Promise<CallToolResult> | CallToolResult
}

/** At most this many issues are listed: the arguments come from outside, so the answer stays small. */
const MAX_ISSUES = 10

/**
 * Replaces the SDK's tools/call handler (after every tool is registered, so tools/list is still the SDK's)
 * with one that validates arguments itself, then runs the tool and checks its result against its output
 * schema as the SDK did.
 */
export function answerInputErrorsStructured(
  server: McpServer,
  tools: Record<string, ToolEntry>,
  logger: Logger,
): void {
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const name = request.params.name
    const tool = Object.hasOwn(tools, name) ? tools[name] : undefined
    if (!tool)
      return toolError({
        code: 'TG_REQUEST_INVALID',
        message: `There is no tool "${name.slice(0, 100)}"; tools/list names them (${Object.keys(tools).join(', ')}).`,
      })
    const parsed = await tool.input.safeParseAsync(request.params.arguments ?? {})
    if (!parsed.success) return invalidArguments(name, parsed.error)
    const log = (ref: string, error: unknown) => logger.error({ err: error, ref, tool: name }, 'tool failed')
    try {
      const result = await tool.run(parsed.data as never, extra as never)
      if (!result.isError && !tool.output.safeParse(result.structuredContent).success)
        throw new Error(`the result of ${name} does not fit its output schema`)
      return result
    } catch (error) {
      return failureResult(error, log)
    }
  })
}

function invalidArguments(tool: string, error: z.ZodError): CallToolResult {
  const issues = error.issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map(String).join('.'),
    message:
      issue.code === 'unrecognized_keys'
        ? `unknown argument${issue.keys.length > 1 ? 's' : ''} ${issue.keys
            .slice(0, MAX_ISSUES)
            .map((k) => `"${k.slice(0, 100)}"`)
            .join(', ')}`
        : issue.message,
  }))
  const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
  return toolError({
    code: 'TG_REQUEST_INVALID',
    message: `Invalid arguments for ${tool}: ${text}`,
    issues,
    next: `Call ${tool} again with arguments that fit its input schema (tools/list publishes it).`,
  })
}
