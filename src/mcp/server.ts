// The taskgate MCP server: six tools over one McpSession. Transports (http.ts inside the gateway, the
// `taskgate mcp` stdio command) create one per MCP session.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { ControlPlane } from './control-plane.ts'
import {
  awaitApprovalOutput,
  endTaskOutput,
  execOutput,
  listResourcesOutput,
  queryOutput,
  requestAccessOutput,
} from './output-schemas.ts'
import type { ToolCallContext } from './poll-until.ts'
import {
  awaitApprovalInput,
  endTaskInput,
  execInput,
  listResourcesInput,
  queryInput,
  requestAccessInput,
} from './schemas.ts'
import { McpSession } from './session.ts'
import { answerInputErrorsStructured, type ToolEntry } from './structured-input-errors.ts'
import type { ToolName } from './tool-call-audit.ts'

export const SERVER_INFO = { name: 'taskgate', version: '0.1.0' }

const INSTRUCTIONS =
  'taskgate gives task-scoped, just-in-time access to databases, servers, Kubernetes and HTTP APIs. Declare what your task needs with ' +
  'request_access (list_resources shows what you may ask for), run SQL with query (databases) or a ' +
  'command with exec (SSH servers) under the grant, and ' +
  'call end_task when done. A denial names the rule, the reason and, when more scope would help, ' +
  'missingScope and requestHint: request exactly that, or change the statement. Statements or grants ' +
  'that need a human return an approvalId: call await_approval.'

export interface TaskgateMcpServer {
  server: McpServer
  session: McpSession
  close(): Promise<void>
}

export function createMcpServer(options: { plane: ControlPlane; logger: Logger }): TaskgateMcpServer {
  const session = new McpSession(options.plane, options.logger)
  const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS })
  const tools = {
    list_resources: {
      input: listResourcesInput,
      output: listResourcesOutput,
      run: () => session.listResources(),
    },
    request_access: {
      input: requestAccessInput,
      output: requestAccessOutput,
      run: (input: z.output<typeof requestAccessInput>) => session.requestAccess(input),
    },
    await_approval: {
      input: awaitApprovalInput,
      output: awaitApprovalOutput,
      run: (input: z.output<typeof awaitApprovalInput>, extra: RequestExtra) =>
        session.awaitApproval(input, callContext(extra)),
    },
    query: {
      input: queryInput,
      output: queryOutput,
      run: (input: z.output<typeof queryInput>, extra: RequestExtra) =>
        session.query(input, callContext(extra)),
    },
    exec: {
      input: execInput,
      output: execOutput,
      run: (input: z.output<typeof execInput>, extra: RequestExtra) =>
        session.exec(input, callContext(extra)),
    },
    end_task: {
      input: endTaskInput,
      output: endTaskOutput,
      run: (input: z.output<typeof endTaskInput>) => session.endTask(input.grantId),
    },
  } satisfies Record<ToolName, ToolEntry>

  server.registerTool(
    'list_resources',
    {
      title: 'List resources',
      description:
        'Lists the resources (databases) you may request access to, each with its ceiling (the widest ' +
        'scope you may be granted) and autoApprove (scope granted at once, without an approver).',
      inputSchema: listResourcesInput,
      outputSchema: listResourcesOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    tools.list_resources.run,
  )
  server.registerTool(
    'request_access',
    {
      title: 'Declare a task and request access',
      description:
        'Declares a task and requests a grant for exactly the scope it needs. Returns status "active" ' +
        '(use query with the grantId), "pending" (an approver must decide: call await_approval), or an ' +
        'error TG_GRANT_DENIED whose `allowed` lists what you may request instead. The credential stays ' +
        'inside taskgate.',
      inputSchema: requestAccessInput,
      outputSchema: requestAccessOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    tools.request_access.run,
  )
  server.registerTool(
    'await_approval',
    {
      title: 'Wait for an approver',
      description:
        'Waits (up to waitSeconds) for a human decision on a pending grant (grantId or its approvalId) ' +
        'or a held statement (the approvalId query returned), and returns the new status. A grant that ' +
        'becomes active is ready for query; a held statement returns its rows once approved.',
      inputSchema: awaitApprovalInput,
      outputSchema: awaitApprovalOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    tools.await_approval.run,
  )
  server.registerTool(
    'query',
    {
      title: 'Run SQL under a grant',
      description:
        'Runs SQL through taskgate under an active grant (one statement; a ";"-separated batch only without ' +
        'params, decided as a whole) and returns {command, columns, rows, rowCount, truncated}. Statements outside the grant or against a guardrail fail ' +
        'with structured data {code, rule, reason, missingScope, requestHint}: request the missing scope ' +
        'with request_access, or rewrite the statement. A statement held for a human returns ' +
        '{status: "pending-approval", approvalId}. Results may be masked by policy.',
      inputSchema: queryInput,
      outputSchema: queryOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    tools.query.run,
  )
  server.registerTool(
    'exec',
    {
      title: 'Run a command on an SSH resource under a grant',
      description:
        'Runs one command line through taskgate on an SSH resource under an active grant (as `ssh host ' +
        'command` would) and returns {stdout, stderr, exitStatus or signal, truncated, timedOut}. Commands ' +
        'outside the grant or against a guardrail fail with structured data {code, rule, reason, ' +
        'missingScope, requestHint}: request the missing scope with request_access, or change the command. ' +
        'A command held for a human returns {status: "pending-approval", approvalId}.',
      inputSchema: execInput,
      outputSchema: execOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    tools.exec.run,
  )
  server.registerTool(
    'end_task',
    {
      title: 'End the task',
      description:
        'Ends a grant because the task is done: its credential stops working and its connections close. ' +
        'Call it as soon as you no longer need the access.',
      inputSchema: endTaskInput,
      outputSchema: endTaskOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    tools.end_task.run,
  )

  answerInputErrorsStructured(server, tools, options.logger)

  return {
    server,
    session,
    async close() {
      await session.close()
      await server.close().catch(() => {})
    },
  }
}

interface RequestExtra {
  signal: AbortSignal
  _meta?: { progressToken?: string | number }
  sendNotification(notification: {
    method: 'notifications/progress'
    params: { progressToken: string | number; progress: number; total?: number; message?: string }
  }): Promise<void>
}

function callContext(extra: RequestExtra): ToolCallContext {
  const token = extra._meta?.progressToken
  return {
    signal: extra.signal,
    progress: async (progress, total, message) => {
      if (token === undefined) return
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress, total, message },
      })
    },
  }
}
