// What one grant asked for against what its sessions' allowed actions needed (Action.needs as recorded):
// the used entries are the evidence a narrower scope is built from; an unused entry covered nothing that ran.
import type { Grant } from '../grants/grant.ts'
import { entryCovers, formatScopeEntry, type Scope, type ScopeEntry, scopeCovers } from '../grants/scope.ts'
import type { ActionRecord } from '../recording/events.ts'

export interface GrantUsage {
  grantId: string
  principalId: string
  principalName: string
  groups: string[]
  resourceId: string
  task: string
  requestedAt: Date
  requested: Scope
  /** Distinct entries the allowed actions needed that the grant's scope gave (the resource kind's implicit
   * scope, which every session has without asking, is left out), sorted by verb then object. */
  used: Scope
  /** Requested entries no allowed action used. */
  unused: Scope
  /** Allowed actions counted, and those recorded before needs were (they tell nothing). */
  actions: number
  actionsWithoutNeeds: number
}

export function grantUsage(grant: Grant, actions: readonly ActionRecord[]): GrantUsage {
  const used = new Map<string, ScopeEntry>()
  let counted = 0
  let withoutNeeds = 0
  for (const action of actions) {
    if (action.outcome !== 'allow') continue
    counted++
    if (action.needs === undefined) {
      withoutNeeds++
      continue
    }
    for (const need of action.needs) {
      // A need the grant does not cover ran under the implicit scope: not evidence for the grant's scope.
      if (scopeCovers(grant.scope, need)) used.set(formatScopeEntry(need), need)
    }
  }
  const usedScope = sortScope([...used.values()])
  return {
    grantId: grant.id,
    principalId: grant.principalId,
    principalName: grant.principalName,
    groups: grant.groups,
    resourceId: grant.resourceId,
    task: grant.task,
    requestedAt: grant.requestedAt,
    requested: grant.scope,
    used: usedScope,
    unused: grant.scope.filter((entry) => !usedScope.some((need) => entryCovers(entry, need))),
    actions: counted,
    actionsWithoutNeeds: withoutNeeds,
  }
}

/** Distinct entries, by verb then object, so advice reads (and compares) the same way every time. */
export function sortScope(scope: readonly ScopeEntry[]): Scope {
  const distinct = new Map(scope.map((e) => [formatScopeEntry(e), e]))
  return [...distinct.values()].sort((a, b) =>
    a.verb === b.verb ? (a.object < b.object ? -1 : a.object > b.object ? 1 : 0) : a.verb < b.verb ? -1 : 1,
  )
}
