/** A human decision on a grant request or a held action. Approver is never the requester. */
export interface Approval {
  id: string
  subject: 'grant' | 'action'
  grantId: string
  requesterId: string
  requesterName: string
  resourceId: string
  task: string
  /** What is asked: the scope for a grant, the statement text for an action. */
  summary: string
  /** For held actions: sha256 of the statement text and parameters, so the approval applies to it once. */
  digest?: string
  /** For held actions: the protocol's row estimate when it made one (a guardrail with `rowsOver`). */
  estimatedRows?: number
  /** The rule that asked for approval, and why. */
  rule: string
  reason: string
  approverGroups: string[]
  /** `cancelled`: its grant ended (withdrawn, revoked, expired) before anyone decided. */
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled'
  createdAt: Date
  expiresAt: Date
  decidedAt?: Date
  decidedBy?: string
  decidedByName?: string
  decisionReason?: string
  /** For a held action: the session holding it (expired if that session's gateway process dies). */
  sessionId?: string
  /** For an action approval: set once when the held statement runs, so an approval is used only once. */
  consumedAt?: Date
}
