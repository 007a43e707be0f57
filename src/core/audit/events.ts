/** The closed set of audit event types; auditors rely on these names. */
export const AUDIT_EVENT_TYPES = [
  'config.loaded',
  'gateway.started',
  'login.succeeded',
  'login.failed',
  'service_account.created',
  'service_account.disabled',
  'service_account.deleted',
  'grant.requested',
  'grant.issued',
  'grant.approved',
  'grant.denied',
  'grant.ended',
  'grant.revoked',
  'grant.expired',
  'credential.issued',
  'approval.requested',
  'approval.approved',
  'approval.denied',
  'approval.expired',
  'approval.cancelled',
  'session.started',
  'session.ended',
  'session.terminated',
  'action.denied',
  'action.held',
  'budget.crossed',
  'anomaly.detected',
  'mcp.tool_called',
  'admin.action',
  'retention.pruned',
  'legal_hold.placed',
  'legal_hold.released',
] as const

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number]

/** An event as the caller describes it; the audit log adds seq, at and the hashes. */
export interface AuditEventInput {
  type: AuditEventType
  actor: string
  subject?: string
  data?: Record<string, unknown>
}

/** An entry of the hash-chained log: hash = sha256(prevHash + canonical JSON of the other fields). */
export interface AuditEntry extends AuditEventInput {
  seq: number
  at: Date
  prevHash: string
  hash: string
}
