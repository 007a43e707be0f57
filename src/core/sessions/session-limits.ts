import type { Config } from '../../config/schema.ts'
import { TaskgateError } from '../errors.ts'
import type { Grant } from '../grants/grant.ts'
import type { LiveSessions } from './live-sessions.ts'

/** Throws TG_SESSION_LIMIT when one more session would pass `limits.sessionsPerGrant` or
 * `limits.sessionsPerPrincipal`: a leaked credential or a runaway agent cannot hold every upstream
 * connection of the gateway. Counted in this process, checked and taken in the same tick. */
export function refuseOverSessionLimits(live: LiveSessions, grant: Grant, limits: Config['limits']): void {
  const forGrant = live.countFor(grant.id)
  if (forGrant >= limits.sessionsPerGrant) {
    throw new TaskgateError('TG_SESSION_LIMIT', {
      message: `Grant ${grant.id} already has ${forGrant} sessions open, the most it may (limits.sessionsPerGrant); close one and connect again.`,
    })
  }
  const forPrincipal = live.countForPrincipal(grant.principalId)
  if (forPrincipal >= limits.sessionsPerPrincipal) {
    throw new TaskgateError('TG_SESSION_LIMIT', {
      message: `${grant.principalName} already has ${forPrincipal} sessions open, the most one principal may (limits.sessionsPerPrincipal); close one and connect again.`,
    })
  }
}
