// `taskgate mcp`: the taskgate MCP tools over stdio, for an agent's MCP client config. This process is a
// client of the gateway, not a second gateway: grants go through the REST API with the CLI's token, SQL
// through the resource's taskgate listener with the grant's credential (which stays in this process).
// The one CLI file allowed to load mcp/ (.dependency-cruiser.cjs), lazily, so other commands
// start without the MCP SDK.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { ControlPlane, ToolCallTag } from '../../mcp/index.ts'
import type { ApiClient } from '../api-client.ts'
import type { CredentialJson, GrantJson, GrantRequestJson } from '../api-types.ts'
import { type Command, requireArgs } from '../command.ts'

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'serve the taskgate MCP tools (request_access, query, ...) over stdio for an agent',
  details:
    'Speaks MCP on stdin/stdout until stdin closes; logs go to stderr (TASKGATE_LOG_LEVEL, default warn).\n' +
    'Authenticates with --token-file, TASKGATE_TOKEN or the `taskgate login` token; --api or TASKGATE_API\n' +
    'names the gateway. The same tools are served over HTTP by the gateway itself at <api>/mcp.',
  async run(context) {
    requireArgs(context)
    const [{ createMcpServer, toolCallHeaders }, { StdioServerTransport }, { default: pino }] =
      await Promise.all([
        import('../../mcp/index.ts'),
        import('@modelcontextprotocol/sdk/server/stdio.js'),
        import('pino'),
      ])
    // stdout carries the protocol: logs must never go there.
    const logger = pino({ level: context.io.env.TASKGATE_LOG_LEVEL ?? 'warn' }, pino.destination(2))
    const mcp = createMcpServer({ plane: restControlPlane(context.api, toolCallHeaders), logger })
    const transport = new StdioServerTransport()
    await mcp.server.connect(transport)
    await new Promise<void>((resolve) => {
      process.stdin.once('end', resolve)
      process.stdin.once('close', resolve)
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await mcp.close()
    return 0
  },
}

interface ResourceJson {
  id: string
  kind: string
  description: string
  ceiling: string[]
  autoApprove: string[]
}

interface ApprovalJson {
  id: string
  subject: 'grant' | 'action'
  grantId: string
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled'
  rule: string
  reason: string
  summary: string
  decidedByName?: string
  decisionReason?: string
}

/**
 * The control plane through the REST API; ApiClient's CliErrors carry the API's TG_* code and message.
 * Each request names the tool call it is made for, so the gateway audits the call (the tool calls of one
 * MCP session may run concurrently: the name travels with each call's async context).
 */
function restControlPlane(
  untagged: ApiClient,
  headersFor: (call: ToolCallTag) => Record<string, string>,
): ControlPlane {
  const current = new AsyncLocalStorage<Record<string, string>>()
  const api = untagged.withHeaders(() => current.getStore())
  const grant = (g: GrantJson) => ({
    id: g.id,
    resourceId: g.resourceId,
    scope: g.scope,
    task: g.task,
    status: g.status,
    ...(g.expiresAt ? { expiresAt: g.expiresAt } : {}),
    ...(g.endReason ? { endReason: g.endReason } : {}),
    ...(g.decisionReason ? { decisionReason: g.decisionReason } : {}),
    ...(g.approvalId ? { approvalId: g.approvalId } : {}),
  })
  const credential = (c: CredentialJson) => ({
    grantId: c.grantId,
    expiresAt: c.expiresAt,
    connection: c.connection,
  })
  const path = (grantId: string, suffix = '') => `/v1/grants/${encodeURIComponent(grantId)}${suffix}`
  return {
    async listResources() {
      const { resources } = await api.get<{ resources: ResourceJson[] }>('/v1/resources')
      return resources.map(({ id, kind, description, ceiling, autoApprove }) => ({
        id,
        kind,
        description,
        ceiling,
        autoApprove,
      }))
    },
    async requestGrant(request) {
      const result = await api.post<GrantRequestJson>('/v1/grants', {
        resource: request.resourceId,
        ...(request.scope ? { scope: request.scope } : {}),
        ...(request.plan !== undefined ? { plan: request.plan } : {}),
        task: request.task,
        ...(request.ttl ? { ttl: request.ttl } : {}),
      })
      return {
        grant: grant(result.grant),
        ...(result.credential ? { credential: credential(result.credential) } : {}),
        ...(result.denial ? { allowed: result.denial.allowed } : {}),
        ...(result.evidence
          ? {
              evidence: {
                similarTasks: result.evidence.similar.length,
                widerThanPast: result.evidence.widerThanPast,
                signals: result.evidence.signals.map((s) => s.message),
              },
            }
          : {}),
      }
    },
    getGrant: async (grantId) => grant(await api.get<GrantJson>(path(grantId))),
    async getApproval(approvalId) {
      const a = await api.get<ApprovalJson>(`/v1/approvals/${encodeURIComponent(approvalId)}`)
      return {
        id: a.id,
        subject: a.subject,
        grantId: a.grantId,
        status: a.status,
        rule: a.rule,
        reason: a.reason,
        summary: a.summary,
        ...(a.decidedByName ? { decidedByName: a.decidedByName } : {}),
        ...(a.decisionReason ? { decisionReason: a.decisionReason } : {}),
      }
    },
    issueCredential: async (grantId) =>
      credential(await api.post<CredentialJson>(path(grantId, '/credential'))),
    endGrant: async (grantId) => grant(await api.post<GrantJson>(path(grantId, '/end'))),
    withinToolCall: (call, run) => current.run(headersFor(call), run),
  }
}
