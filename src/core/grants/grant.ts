import type { GrantPlan } from './grant-plan.ts'
import type { Scope } from './scope.ts'

export type GrantStatus = 'pending' | 'active' | 'ended' | 'denied'

export type GrantEndReason = 'expired' | 'completed' | 'revoked' | 'session-closed' | 'cancelled'

/** Principal + resource + scope + task reason + window. */
export interface Grant {
  id: string
  principalId: string
  principalName: string
  /** The principal's groups when the grant was requested; policy was decided on these. */
  groups: string[]
  resourceId: string
  scope: Scope
  task: string
  status: GrantStatus
  sessionBound: boolean
  ttlSeconds: number
  requestedAt: Date
  /** When it became active (granted at once or approved). */
  activatedAt?: Date
  /** Active grants end at this instant; pending grants have none yet. */
  expiresAt?: Date
  endedAt?: Date
  endReason?: GrantEndReason
  /** Who decided (approver principal id, or `policy`), and why. */
  decidedBy?: string
  decisionReason?: string
  /** For a pending grant: the approval it waits on. */
  approvalId?: string
  /** For a grant requested from a plan: its statements (the scope is the least that covers them). */
  plan?: GrantPlan
}

export function isLive(grant: Grant, now: Date): boolean {
  return (
    grant.status === 'active' && grant.expiresAt !== undefined && grant.expiresAt.getTime() > now.getTime()
  )
}
