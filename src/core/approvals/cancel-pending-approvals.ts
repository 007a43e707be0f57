import type { CoreContext } from '../core-context.ts'
import type { Approval } from './approval.ts'

/**
 * Closes a grant's pending approvals as cancelled once the grant has ended: a request nobody can act on any
 * more must leave the approvers' inbox, and can no longer be "approved". Held statements waiting on one are
 * told their grant ended. Returns the approvals it closed (another process may have closed some first).
 */
export async function cancelPendingApprovals(
  ctx: CoreContext,
  grantId: string,
  by: { id: string; name: string },
  why: string,
): Promise<Approval[]> {
  const pending = await ctx.store.approvals.list({ grantId, status: ['pending'] })
  const closed: Approval[] = []
  for (const approval of pending) {
    const now = ctx.clock.now()
    if (!(await ctx.store.approvals.decide(approval.id, 'cancelled', now, { ...by, reason: why }))) continue
    await ctx.audit({
      type: 'approval.cancelled',
      actor: by.id,
      subject: approval.id,
      data: { grant: grantId, reason: why },
    })
    await ctx.store.publish('approval_changed', approval.id)
    const cancelled: Approval = {
      ...approval,
      status: 'cancelled',
      decidedAt: now,
      decidedBy: by.id,
      decidedByName: by.name,
      decisionReason: why,
    }
    ctx.notify('approval.cancelled', cancelled)
    closed.push(cancelled)
  }
  return closed
}
