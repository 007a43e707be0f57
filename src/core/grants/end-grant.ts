import { cancelPendingApprovals } from '../approvals/cancel-pending-approvals.ts'
import type { AuditEventType } from '../audit/events.ts'
import type { CoreContext } from '../core-context.ts'
import type { Grant, GrantEndReason } from './grant.ts'

const EVENT_FOR: Record<GrantEndReason, AuditEventType> = {
  expired: 'grant.expired',
  revoked: 'grant.revoked',
  completed: 'grant.ended',
  'session-closed': 'grant.ended',
  cancelled: 'grant.ended',
}

/**
 * Ends a grant: the store transition first (only one process wins it), then live sessions are closed and
 * the target's ephemeral access is removed. Returns false if already ended. The grant's credentials stay
 * (hashes and verifiers only) so that a client still holding one is told the grant ended and why,
 * rather than "password authentication failed"; logins check the grant, so they no longer let anyone in.
 * The expiry sweeper forgets them a day after they expire (ENDED_CREDENTIALS_KEPT_MS).
 */
export async function endGrant(
  ctx: CoreContext,
  grant: Grant,
  reason: GrantEndReason,
  actor: string,
  note?: string,
): Promise<boolean> {
  const now = ctx.clock.now()
  const won = await ctx.store.grants.end(grant.id, reason, now)
  // Sessions close even when another process won the race: this process may hold some.
  const closed = ctx.live.closeGrant(grant.id, describeEnd(reason, note))
  if (!won) return false
  await ctx.audit({
    type: EVENT_FOR[reason],
    actor,
    subject: grant.id,
    data: { reason, note, sessionsClosed: closed },
  })
  // The grant has ended whatever happens here: an approval the store would not close now is closed when
  // someone tries to decide it (decide-approval.ts).
  await cancelPendingApprovals(ctx, grant.id, { id: actor, name: actor }, describeEnd(reason, note)).catch(
    (error: unknown) =>
      ctx.logger.error({ err: error, grantId: grant.id }, 'could not cancel the approvals of an ended grant'),
  )
  await ctx.store.publish('grant_changed', grant.id)
  const provisioner = ctx.provisioners.get(grant.resourceId)
  if (provisioner && grant.status === 'active') {
    // Removing the target's access ends its backends: let sessions finish the message they are relaying
    // and send their own FATAL first.
    await ctx.live.whenClosed(grant.id, SESSIONS_CLOSE_WAIT_MS)
    await provisioner.deprovision(grant).catch((error: unknown) => {
      ctx.logger.error(
        { err: error, grantId: grant.id },
        'could not remove the ephemeral upstream access of an ended grant',
      )
    })
  }
  return true
}

/** The longest a protocol takes to close a session (PostgreSQL: finishing a row, FATAL_WAIT_MS). */
const SESSIONS_CLOSE_WAIT_MS = 1_000

function describeEnd(reason: GrantEndReason, note?: string): string {
  const base = {
    expired: 'the grant expired',
    revoked: 'the grant was revoked',
    completed: 'the task was marked done',
    'session-closed': 'the session-bound grant ended with its session',
    cancelled: 'the grant was cancelled',
  }[reason]
  return note ? `${base}: ${note}` : base
}
