import type { Approval } from '../approval.ts'

export const APPROVAL_NOTIFICATION_TYPES = [
  'approval.requested',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
] as const

export type ApprovalNotificationType = (typeof APPROVAL_NOTIFICATION_TYPES)[number]

/** Something an approver (or the requester's channel) should hear about an Approval. */
export interface ApprovalNotification {
  type: ApprovalNotificationType
  approval: Approval
}

/** The JSON body a webhook receives; the same for every target and every retry of one notification. */
export interface NotificationPayload {
  type: ApprovalNotificationType
  occurredAt: string
  approval: {
    id: string
    subject: 'grant' | 'action'
    grantId: string
    requester: { id: string; name: string }
    resource: string
    task: string
    /** The statement text for a held action, the scope for a grant request. */
    summary: string
    rule: string
    reason: string
    approverGroups: string[]
    status: Approval['status']
    createdAt: string
    expiresAt: string
    decidedAt?: string
    decidedBy?: { id: string; name: string }
    decisionReason?: string
    /** Where an approver decides, when the gateway knows its public URL. */
    url?: string
  }
}

/**
 * Copies the fields approvers need, by name: an allow-list, so a field added to Approval later (a digest,
 * anything derived from a credential) never reaches a third party by accident.
 */
export function notificationPayload(
  event: ApprovalNotification,
  occurredAt: Date,
  publicUrl?: string,
): NotificationPayload {
  const a = event.approval
  const decided =
    a.decidedBy === undefined ? {} : { decidedBy: { id: a.decidedBy, name: a.decidedByName ?? a.decidedBy } }
  return {
    type: event.type,
    occurredAt: occurredAt.toISOString(),
    approval: {
      id: a.id,
      subject: a.subject,
      grantId: a.grantId,
      requester: { id: a.requesterId, name: a.requesterName },
      resource: a.resourceId,
      task: a.task,
      summary: a.summary,
      rule: a.rule,
      reason: a.reason,
      approverGroups: [...a.approverGroups],
      status: a.status,
      createdAt: a.createdAt.toISOString(),
      expiresAt: a.expiresAt.toISOString(),
      ...(a.decidedAt ? { decidedAt: a.decidedAt.toISOString() } : {}),
      ...decided,
      ...(a.decisionReason ? { decisionReason: a.decisionReason } : {}),
      ...(publicUrl ? { url: approvalUrl(publicUrl, a.id) } : {}),
    },
  }
}

function approvalUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/approvals/${encodeURIComponent(id)}`
}
