import type { Config } from '../../config/schema.ts'
import { TaskgateError } from '../errors.ts'
import type { Grant } from '../grants/grant.ts'
import type { LiveSessions } from './live-sessions.ts'

/** Throws TG_SESSION_LIMIT when one more session would pass `limits.sessionsPerGrant` or
 * `limits.sessionsPerPrincipal`: a leaked credential or a runaway agent cannot hold every upstream
 * connection of the gateway. Counted in this process, checked and taken in the same tick; the store counts
 * again across every process sharing it when the session is inserted (SessionStore.insert's limits). */
export function refuseOverSessionLimits(live: LiveSessions, grant: Grant, limits: Config['limits']): void {
  const forGrant = live.countFor(grant.id)
  if (forGrant >= limits.sessionsPerGrant) throw overGrantLimit(grant.id, forGrant)
  const forPrincipal = live.countForPrincipal(grant.principalId)
  if (forPrincipal >= limits.sessionsPerPrincipal) throw overPrincipalLimit(grant.principalName, forPrincipal)
}

export function overGrantLimit(grantId: string, open: number): TaskgateError {
  return new TaskgateError('TG_SESSION_LIMIT', {
    message: `Grant ${grantId} already has ${open} sessions open, the most it may (limits.sessionsPerGrant); close one and connect again.`,
  })
}

export function overPrincipalLimit(principalName: string, open: number): TaskgateError {
  return new TaskgateError('TG_SESSION_LIMIT', {
    message: `${principalName} already has ${open} sessions open, the most one principal may (limits.sessionsPerPrincipal); close one and connect again.`,
  })
}
