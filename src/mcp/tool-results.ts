// The successful results and data-path failures the tools return, each with a `next` line telling the
// model what to call next.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { GrantView } from './control-plane.ts'
import type { DataPathFailure } from './data-path-client.ts'
import { toolError, toolResult } from './errors.ts'

export function grantSummary(grant: GrantView): Record<string, unknown> {
  const next =
    grant.status === 'active'
      ? `Run SQL with query (grantId "${grant.id}"); call end_task when the task is done.`
      : grant.status === 'pending'
        ? `An approver must decide; call await_approval with grantId "${grant.id}".`
        : 'This grant is over; call request_access for a new one.'
  return {
    grantId: grant.id,
    status: grant.status,
    resource: grant.resourceId,
    scope: grant.scope,
    ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}),
    ...(grant.approvalId ? { approvalId: grant.approvalId } : {}),
    ...(grant.endReason ? { endReason: grant.endReason } : {}),
    next,
  }
}

export function pendingStatement(approvalId: string, why?: { rule: string; reason: string }) {
  return {
    status: 'pending-approval',
    approvalId,
    ...(why ? { rule: why.rule, reason: why.reason } : {}),
    next: `The statement needs a human approval; call await_approval with approvalId "${approvalId}".`,
  }
}

export function notActive(grant: GrantView) {
  return {
    code: 'TG_GRANT_NOT_ACTIVE',
    message:
      grant.status === 'pending'
        ? `Grant ${grant.id} is still pending; call await_approval with grantId "${grant.id}" first.`
        : `Grant ${grant.id} is ${grant.status}; call request_access for a new one.`,
  }
}

/** What the resource's listener answered, as a tool result; `resourceId` names the grant's resource. */
export function dataPathResult(failure: DataPathFailure, resourceId?: string): CallToolResult {
  if (failure.kind === 'denied') {
    const { missingScope } = failure.denial
    return toolError({
      ...failure.denial,
      ...(missingScope && resourceId
        ? {
            next:
              `Call request_access with resource "${resourceId}" and a scope that includes ` +
              `${JSON.stringify(missingScope)} (a grant must cover every scope the statement uses), or ` +
              'rewrite the statement.',
          }
        : {}),
    })
  }
  if (failure.kind === 'approval-required') {
    if (failure.approvalId) return toolResult(pendingStatement(failure.approvalId, failure))
    return toolError({
      code: 'TG_APPROVAL_REQUIRED',
      rule: failure.rule,
      reason: failure.reason,
      requestHint:
        'This statement needs a human approval; ask an approver, or rewrite it so the rule does not apply.',
    })
  }
  const { kind: _, ...data } = failure
  return toolError(data)
}
