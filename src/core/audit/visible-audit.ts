// The audit entries an actor may read. Entries carry statement text, commands and held actions of the resource
// they concern, so they are seen as that resource's sessions are (authorize.ts maySeeSession): administrators
// read the whole log; an approver reads the entries of the resources they approve and the entries they are
// the actor of. An entry that concerns no resource (a login, a service account, retention, the gateway
// starting) is an administrator's to read, besides its own actor.
import type { AuditFilter } from '../../store/store.ts'
import { resourcesApprovedBy } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import type { Principal } from '../identity/principal.ts'
import type { AuditEntry } from './events.ts'

/** Entries read from the store per page while filtering for a non-administrator. */
const PAGE = 500
/** Subjects whose resource is remembered during one listing (each costs a store read). */
const MAX_REMEMBERED = 10_000

export async function listVisibleAudit(
  ctx: CoreContext,
  actor: Principal,
  filter: AuditFilter,
): Promise<AuditEntry[]> {
  if (ctx.isAdmin(actor)) return ctx.store.audit.list(filter)
  const approved = new Set(resourcesApprovedBy(ctx, actor))
  const resourceOf = auditResourceResolver(ctx)
  const wanted = filter.limit ?? Number.POSITIVE_INFINITY
  const out: AuditEntry[] = []
  let cursor: number | undefined
  for (;;) {
    const page = await ctx.store.audit.list({
      ...filter,
      ...(cursor === undefined ? {} : filter.descending ? { beforeSeq: cursor } : { afterSeq: cursor }),
      limit: PAGE,
    })
    for (const entry of page) {
      if (entry.actor === actor.id) out.push(entry)
      else {
        const resourceId = await resourceOf(entry)
        if (resourceId !== undefined && approved.has(resourceId)) out.push(entry)
      }
      if (out.length >= wanted) return out
    }
    if (page.length < PAGE) return out
    cursor = page[page.length - 1]!.seq
  }
}

/** The resource an entry concerns, from its subject (a grant, session or approval; a resource for a failed
 * login) or its data (`grant`, `session`, `resource`); undefined when it concerns none. */
export function auditResourceResolver(ctx: CoreContext): (entry: AuditEntry) => Promise<string | undefined> {
  const { store } = ctx
  const remembered = new Map<string, string | undefined>()
  const grantResource = async (id: string) => (await store.grants.get(id))?.resourceId
  const lookup = async (ref: string): Promise<string | undefined> => {
    if (remembered.has(ref)) return remembered.get(ref)
    let resourceId = await grantResource(ref)
    resourceId ??= (await store.sessions.get(ref))?.resourceId
    if (resourceId === undefined) {
      const approval = await store.approvals.get(ref)
      if (approval) resourceId = await grantResource(approval.grantId)
    }
    if (remembered.size >= MAX_REMEMBERED) remembered.clear()
    remembered.set(ref, resourceId)
    return resourceId
  }
  return async (entry) => {
    const data = entry.data ?? {}
    if (entry.subject !== undefined) {
      const found = await lookup(entry.subject)
      if (found !== undefined) return found
      if (entry.type.startsWith('login.') && ctx.resources.has(entry.subject)) return entry.subject
    }
    for (const key of ['grant', 'session'] as const) {
      const ref = data[key]
      if (typeof ref === 'string') {
        const found = await lookup(ref)
        if (found !== undefined) return found
      }
    }
    return typeof data.resource === 'string' ? data.resource : undefined
  }
}
