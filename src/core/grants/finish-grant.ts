// A grant ends on request: its requester marks the task done (endTask; a pending request is cancelled), or an
// administrator or the resource's approvers revoke it with a reason (revokeGrant).
import type { CoreContext } from '../core-context.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import { endGrant } from './end-grant.ts'
import type { Grant } from './grant.ts'

export async function endTask(
  ctx: CoreContext,
  rt: CoreRuntime,
  actor: Principal,
  grantId: string,
): Promise<Grant> {
  const grant = await rt.loadGrant(grantId)
  if (grant.principalId !== actor.id && !ctx.isAdmin(actor)) {
    throw new TaskgateError('TG_FORBIDDEN', {
      message: 'Only the requester (or an administrator) marks a task done; approvers revoke.',
    })
  }
  refuseEnded(grant)
  await endGrant(ctx, grant, grant.status === 'pending' ? 'cancelled' : 'completed', actor.id)
  return rt.loadGrant(grantId)
}

export async function revokeGrant(
  ctx: CoreContext,
  rt: CoreRuntime,
  actor: Principal,
  grantId: string,
  reason: string,
): Promise<Grant> {
  const grant = await rt.loadGrant(grantId)
  const approver = ctx.approverGroupsFor(grant.resourceId).some((g) => actor.groups.includes(g))
  if (!ctx.isAdmin(actor) && !approver) {
    throw new TaskgateError('TG_FORBIDDEN', {
      message: 'Only administrators and the resource approvers revoke grants.',
    })
  }
  if (!reason?.trim()) throw new TaskgateError('TG_REQUEST_INVALID', { message: 'Say why: --reason "..."' })
  refuseEnded(grant)
  await endGrant(ctx, grant, 'revoked', actor.id, reason)
  return rt.loadGrant(grantId)
}

function refuseEnded(grant: Grant): void {
  if (grant.status !== 'active' && grant.status !== 'pending')
    throw new TaskgateError('TG_CONFLICT', { message: `Grant ${grant.id} is already ${grant.status}.` })
}
