// The approvals a principal may see: all for administrators; else those they requested or may decide.
import type { ApprovalFilter } from '../../store/store.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import type { Approval } from './approval.ts'

const visibleTo = (ctx: CoreContext, actor: Principal, a: Approval): boolean =>
  ctx.isAdmin(actor) || a.requesterId === actor.id || a.approverGroups.some((g) => actor.groups.includes(g))

export async function listApprovals(
  ctx: CoreContext,
  actor: Principal,
  filter: ApprovalFilter,
): Promise<Approval[]> {
  const all = await ctx.store.approvals.list(filter)
  return all.filter((a) => visibleTo(ctx, actor, a))
}

export async function getApproval(ctx: CoreContext, actor: Principal, id: string): Promise<Approval> {
  const approval = await ctx.store.approvals.get(id)
  if (!approval || !visibleTo(ctx, actor, approval))
    throw new TaskgateError('TG_NOT_FOUND', { message: `No approval ${id}.` })
  return approval
}
