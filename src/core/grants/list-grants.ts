// The grants a principal may see: all for administrators; else their own and those on resources they approve.
import type { GrantFilter } from '../../store/store.ts'
import type { CoreContext } from '../core-context.ts'
import type { Principal } from '../identity/principal.ts'
import type { Grant } from './grant.ts'

export async function listGrants(ctx: CoreContext, actor: Principal, filter: GrantFilter): Promise<Grant[]> {
  const { store } = ctx
  if (ctx.isAdmin(actor)) return store.grants.list(filter)
  const own = await store.grants.list({ ...filter, principalId: actor.id })
  const approvable = ctx.config.resources
    .filter((r) => ctx.approverGroupsFor(r.id).some((g) => actor.groups.includes(g)))
    .filter((r) => !filter.resourceId || filter.resourceId === r.id)
  const others = (
    await Promise.all(approvable.map((r) => store.grants.list({ ...filter, resourceId: r.id })))
  ).flat()
  const byId = new Map([...own, ...others].map((g) => [g.id, g]))
  return [...byId.values()]
    .sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime())
    .slice(0, filter.limit ?? 100)
}
