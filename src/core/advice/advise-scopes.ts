// `taskgate advise`: least privilege from evidence. For each grant in the window, what it asked for against
// what its sessions' allowed actions needed; per group and resource a narrower policy; per task cluster the
// scope such a task should ask for. Administrators and approvers only; an approver's advice reads the grants
// (and recordings) of the resources they approve and their own, as authorizeGrantView shows them.
import { authorizeOversight } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Grant } from '../grants/grant.ts'
import { listGrants } from '../grants/list-grants.ts'
import type { Principal } from '../identity/principal.ts'
import type { ActionRecord } from '../recording/events.ts'
import { type GrantUsage, grantUsage } from './grant-usage.ts'
import { type PolicyAdvice, suggestPolicies } from './policy-suggestion.ts'
import { clusterTasks, type TaskCluster } from './task-clusters.ts'

export interface AdviceFilter {
  /** A principal's id or name. */
  principal?: string
  group?: string
  resourceId?: string
  /** Grants requested at or after this instant. */
  since: Date
}

export interface ScopeAdvice extends PolicyAdvice {
  since: Date
  grants: GrantUsage[]
  clusters: TaskCluster[]
  /** More grants matched than are read (MAX_ADVISED_GRANTS, newest first): the advice covers the newest. */
  truncated: boolean
}

/** Grants read per advice, newest first: each costs a read of its sessions' recordings. */
const MAX_ADVISED_GRANTS = 500
/** Grants read from the store before the name, group and window filters apply (newest first). */
const MAX_LISTED_GRANTS = 4 * MAX_ADVISED_GRANTS

export async function adviseScopes(
  ctx: CoreContext,
  actor: Principal,
  filter: AdviceFilter,
): Promise<ScopeAdvice> {
  if (!authorizeOversight(ctx, actor))
    throw new TaskgateError('TG_FORBIDDEN', {
      message: 'Only administrators and approvers read scope advice (it reads the recordings they may see).',
    })
  const listed = await listGrants(ctx, actor, {
    ...(filter.resourceId !== undefined ? { resourceId: filter.resourceId } : {}),
    ...(filter.principal?.includes(':') ? { principalId: filter.principal } : {}),
    status: ['active', 'ended'],
    limit: MAX_LISTED_GRANTS,
  })
  const matching = listed.filter((g) => matches(g, filter))
  const grants = matching.slice(0, MAX_ADVISED_GRANTS)
  const usages: GrantUsage[] = []
  for (const grant of grants) usages.push(grantUsage(grant, await actionsOf(ctx, grant)))
  return {
    since: filter.since,
    grants: usages,
    clusters: clusterTasks(usages),
    ...suggestPolicies(ctx.config.policies, usages, filter.group),
    truncated: matching.length > grants.length || listed.length === MAX_LISTED_GRANTS,
  }
}

function matches(grant: Grant, filter: AdviceFilter): boolean {
  if (grant.requestedAt.getTime() < filter.since.getTime()) return false
  if (filter.principal !== undefined && filter.principal !== grant.principalId) {
    if (filter.principal !== grant.principalName) return false
  }
  return filter.group === undefined || grant.groups.includes(filter.group)
}

async function actionsOf(ctx: CoreContext, grant: Grant): Promise<ActionRecord[]> {
  const sessions = await ctx.store.sessions.list({ grantId: grant.id })
  const actions: ActionRecord[] = []
  for (const session of sessions) actions.push(...(await ctx.store.sessions.listActions(session.id)))
  return actions
}
