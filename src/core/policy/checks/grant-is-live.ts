import type { Grant } from '../../grants/grant.ts'
import { grantStateText } from '../../grants/grant-not-active.ts'
import type { Decision } from '../decision.ts'

/** Denies once the grant is not active or its window has passed: the data path never outlives a grant. */
export function grantIsLive(grant: Grant, now: Date): Decision | undefined {
  if (grant.status !== 'active') {
    return {
      outcome: 'deny',
      code: 'TG_GRANT_NOT_ACTIVE',
      rule: 'grant',
      reason: `The grant ${grant.id} is ${grantStateText(grant, now)}; request a new one.`,
    }
  }
  if (!grant.expiresAt || grant.expiresAt.getTime() <= now.getTime()) {
    return {
      outcome: 'deny',
      code: 'TG_GRANT_EXPIRED',
      rule: 'grant',
      reason: `The grant ${grant.id} has expired; request a new one.`,
    }
  }
  return undefined
}
