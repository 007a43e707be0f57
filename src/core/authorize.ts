import type { CoreContext } from './core-context.ts'
import { TaskgateError } from './errors.ts'
import type { Grant } from './grants/grant.ts'
import type { Principal } from './identity/principal.ts'

export function requireAdmin(ctx: CoreContext, actor: Principal): void {
  if (!ctx.isAdmin(actor))
    throw new TaskgateError('TG_FORBIDDEN', { message: 'Only administrators may do this.' })
}

/** Administrators and approvers of any resource oversee sessions and audit. */
export function authorizeOversight(ctx: CoreContext, actor: Principal): boolean {
  if (ctx.isAdmin(actor)) return true
  return ctx.config.policies.some((p) => p.approvers.some((g) => actor.groups.includes(g)))
}

/** The requester, administrators and the resource's approvers may see a grant; others get not-found. */
export function authorizeGrantView(ctx: CoreContext, actor: Principal, grant: Grant): void {
  if (grant.principalId === actor.id || ctx.isAdmin(actor)) return
  if (ctx.approverGroupsFor(grant.resourceId).some((g) => actor.groups.includes(g))) return
  throw new TaskgateError('TG_NOT_FOUND', { message: `No grant ${grant.id}.` })
}

/** Resource ids whose approvers include the actor. */
export function resourcesApprovedBy(ctx: CoreContext, actor: Principal): string[] {
  return ctx.config.resources
    .map((r) => r.id)
    .filter((id) => ctx.approverGroupsFor(id).some((g) => actor.groups.includes(g)))
}

/** A session is seen as its grant is: its principal, administrators and the approvers of its resource
 * (its recorded statements, commands and terminal output are the resource's, not every approver's). */
export function maySeeSession(
  ctx: CoreContext,
  actor: Principal,
  session: { principalId: string; resourceId: string },
): boolean {
  if (session.principalId === actor.id || ctx.isAdmin(actor)) return true
  return ctx.approverGroupsFor(session.resourceId).some((g) => actor.groups.includes(g))
}
