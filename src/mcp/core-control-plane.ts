// The control plane in process: core, called for the principal that authenticated the MCP session.
import {
  type Approval,
  type Core,
  formatScopeEntry,
  type Grant,
  type IssuedCredential,
  type Principal,
} from '../core/index.ts'
import type { ApprovalView, ControlPlane, DataPathCredential, GrantView } from './control-plane.ts'

export function coreControlPlane(core: Core, principal: Principal): ControlPlane {
  return {
    async listResources() {
      return core.listResources(principal).map(({ resource, ceiling, autoApprove }) => ({
        id: resource.id,
        kind: resource.kind,
        description: resource.description,
        ceiling: ceiling.map(formatScopeEntry),
        autoApprove: autoApprove.map(formatScopeEntry),
      }))
    },
    async requestGrant(request) {
      const result = await core.requestGrant(principal, {
        resourceId: request.resourceId,
        ...(request.scope ? { scope: request.scope.join(',') } : {}),
        ...(request.plan !== undefined ? { plan: request.plan } : {}),
        task: request.task,
        ...(request.ttl ? { ttl: request.ttl } : {}),
      })
      return {
        grant: grantView(result.grant),
        ...(result.credential ? { credential: credentialView(result.credential) } : {}),
        ...(result.allowed ? { allowed: result.allowed.map(formatScopeEntry) } : {}),
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
    getGrant: async (grantId) => grantView(await core.getGrant(principal, grantId)),
    getApproval: async (approvalId) => approvalView(await core.getApproval(principal, approvalId)),
    issueCredential: async (grantId) => credentialView(await core.issueCredential(principal, grantId)),
    endGrant: async (grantId) => grantView(await core.endGrant(principal, grantId)),
    async recordToolCall(call) {
      const { tool, grantId, ...data } = call
      await core.audit({
        type: 'mcp.tool_called',
        actor: principal.id,
        ...(grantId ? { subject: grantId } : {}),
        data: { tool, principal: principal.name, ...data },
      })
    },
  }
}

function grantView(g: Grant): GrantView {
  return {
    id: g.id,
    resourceId: g.resourceId,
    scope: g.scope.map(formatScopeEntry),
    task: g.task,
    status: g.status,
    ...(g.expiresAt ? { expiresAt: g.expiresAt.toISOString() } : {}),
    ...(g.endReason ? { endReason: g.endReason } : {}),
    ...(g.decisionReason ? { decisionReason: g.decisionReason } : {}),
    ...(g.approvalId ? { approvalId: g.approvalId } : {}),
  }
}

function approvalView(a: Approval): ApprovalView {
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
}

function credentialView(c: IssuedCredential): DataPathCredential {
  return { grantId: c.grantId, expiresAt: c.expiresAt.toISOString(), connection: { ...c.connection } }
}
