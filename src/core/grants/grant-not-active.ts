import { TaskgateError } from '../errors.ts'
import type { Grant } from './grant.ts'

/** The state a grant that is not live is in, said the way its holder can act on it. */
export function grantStateText(grant: Grant, now: Date): string {
  switch (grant.status) {
    case 'pending':
      return `pending${grant.approvalId ? ` (waiting for approval ${grant.approvalId})` : ''}`
    case 'denied':
      return `denied${grant.decisionReason ? ` (${grant.decisionReason})` : ''}`
    case 'ended':
      return `ended (${grant.endReason ?? 'ended'}${grant.endedAt ? ` at ${grant.endedAt.toISOString()}` : ''})`
    case 'active':
      return grant.expiresAt && grant.expiresAt.getTime() <= now.getTime()
        ? `expired (at ${grant.expiresAt.toISOString()})`
        : 'active'
  }
}

/** TG_GRANT_NOT_ACTIVE naming the grant's actual state, instead of listing every state it might be in. */
export function grantNotActive(grant: Grant, now: Date): TaskgateError {
  const next =
    grant.status === 'pending'
      ? 'try again once an approver has approved it'
      : 'request a new one with `taskgate grant request`'
  return new TaskgateError('TG_GRANT_NOT_ACTIVE', {
    message: `The grant ${grant.id} is ${grantStateText(grant, now)}; ${next}.`,
  })
}
