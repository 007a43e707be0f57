// Sessions an actor may see (authorize.ts maySeeSession), listed without reading anyone else's.
import type { SessionFilter } from '../../store/store.ts'
import { resourcesApprovedBy } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import type { Principal } from '../identity/principal.ts'
import type { SessionSummary } from '../recording/events.ts'

/** An administrator's filter as asked; anyone else's per resource they approve plus their own, merged newest
 * first. */
export async function listVisibleSessions(
  ctx: CoreContext,
  actor: Principal,
  filter: SessionFilter,
): Promise<SessionSummary[]> {
  const { store } = ctx
  if (ctx.isAdmin(actor)) return store.sessions.list(filter)
  const approved = resourcesApprovedBy(ctx, actor).filter(
    (id) => filter.resourceId === undefined || filter.resourceId === id,
  )
  const lists = await Promise.all([
    store.sessions.list({ ...filter, principalId: actor.id }),
    ...approved.map((resourceId) => store.sessions.list({ ...filter, resourceId })),
  ])
  const byId = new Map<string, SessionSummary>()
  for (const list of lists) for (const s of list) byId.set(s.id, s)
  const merged = [...byId.values()].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())
  return filter.limit === undefined ? merged : merged.slice(0, filter.limit)
}
