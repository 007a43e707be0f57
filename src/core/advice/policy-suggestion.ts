// Per group and resource: the ceiling and auto-approve scope the group's grants actually used, and the
// configuration's `policies:` section rewritten to say so (a YAML document and a diff against the current
// one). Evidence narrows, never widens: the suggested auto-approve keeps only used entries already
// auto-approved, so an approver still sees what used to need one.
import { stringify } from 'yaml'
import type { PolicyConfig } from '../../config/schema.ts'
import { parseDurationSeconds } from '../grants/duration.ts'
import {
  formatScope,
  formatScopeEntry,
  MAX_SCOPE_ENTRIES,
  parseScopeEntry,
  type Scope,
  scopeCovers,
} from '../grants/scope.ts'
import { type GrantUsage, sortScope } from './grant-usage.ts'

export interface PolicySuggestion {
  group: string
  resourceId: string
  /** Grants of the group's members on the resource the evidence comes from. */
  grants: number
  current: { ceiling: Scope; autoApprove: Scope }
  suggested: { ceiling: Scope; autoApprove: Scope }
  /** Current ceiling entries none of those grants used. */
  unused: Scope
  /** Why the suggestion is not in the rewritten policies (a policy for every resource, `*`, cannot be
   * narrowed for one resource without splitting it by hand). */
  notApplied?: string
}

export interface PolicyAdvice {
  suggestions: PolicySuggestion[]
  /** The `policies:` section with every applicable suggestion made. */
  policiesYaml: string
  /** A unified diff from the current `policies:` section to `policiesYaml`; empty when nothing changes. */
  diff: string
}

const applies = (p: PolicyConfig, group: string, resourceId: string) =>
  p.group === group && (p.resources.includes('*') || p.resources.includes(resourceId))

export function suggestPolicies(
  policies: readonly PolicyConfig[],
  usages: readonly GrantUsage[],
  onlyGroup?: string,
): PolicyAdvice {
  const pairs = new Map<string, { group: string; resourceId: string; usages: GrantUsage[] }>()
  for (const usage of usages) {
    for (const group of usage.groups) {
      if (onlyGroup !== undefined && group !== onlyGroup) continue
      if (!policies.some((p) => applies(p, group, usage.resourceId))) continue
      const key = `${group}\u0000${usage.resourceId}`
      const pair = pairs.get(key) ?? { group, resourceId: usage.resourceId, usages: [] }
      pair.usages.push(usage)
      pairs.set(key, pair)
    }
  }
  const proposed: PolicyConfig[] = policies.map((p) => ({ ...p, resources: [...p.resources] }))
  const suggestions: PolicySuggestion[] = []
  for (const { group, resourceId, usages: evidence } of [...pairs.values()].sort(byGroupThenResource)) {
    const used = withinEntryLimit(sortScope(evidence.flatMap((u) => u.used)))
    // Nothing used: an empty ceiling is no policy at all; that is for a person to decide.
    if (used.length === 0) continue
    const applicable = policies.filter((p) => applies(p, group, resourceId))
    const ceiling = applicable.flatMap((p) => p.ceiling.map(parseScopeEntry))
    const autoApprove = applicable.flatMap((p) => p.autoApprove.map(parseScopeEntry))
    const suggested = { ceiling: used, autoApprove: used.filter((e) => scopeCovers(autoApprove, e)) }
    if (sameScope(suggested.ceiling, ceiling) && sameScope(suggested.autoApprove, autoApprove)) continue
    const suggestion: PolicySuggestion = {
      group,
      resourceId,
      grants: evidence.length,
      current: { ceiling, autoApprove },
      suggested,
      unused: ceiling.filter((entry) => !used.some((need) => scopeCovers([entry], need))),
    }
    const notApplied = rewrite(proposed, group, resourceId, suggested)
    if (notApplied) suggestion.notApplied = notApplied
    suggestions.push(suggestion)
  }
  const kept = proposed.filter((p) => p.resources.length > 0)
  return { suggestions, policiesYaml: policiesSection(kept), diff: policiesDiff(policies, proposed) }
}

/** Narrows the group's policies on one resource in `proposed`; returns why it could not, if so. */
function rewrite(
  proposed: PolicyConfig[],
  group: string,
  resourceId: string,
  suggested: { ceiling: Scope; autoApprove: Scope },
): string | undefined {
  const indexes = proposed.flatMap((p, i) => (applies(p, group, resourceId) ? [i] : []))
  const entries = (scope: Scope) => scope.map(formatScopeEntry)
  if (indexes.some((i) => proposed[i]!.resources.includes('*')))
    return `a policy of group ${group} covers every resource ("*"): split it by hand to narrow ${resourceId}`
  const only = indexes.length === 1 ? proposed[indexes[0]!]! : undefined
  if (only && only.resources.length === 1) {
    only.ceiling = entries(suggested.ceiling)
    only.autoApprove = entries(suggested.autoApprove)
    return undefined
  }
  const applicable = indexes.map((i) => proposed[i]!)
  for (const p of applicable) p.resources = p.resources.filter((r) => r !== resourceId)
  const longest = applicable.reduce((a, b) =>
    parseDurationSeconds(b.maxTtl) > parseDurationSeconds(a.maxTtl) ? b : a,
  )
  proposed.push({
    group,
    resources: [resourceId],
    ceiling: entries(suggested.ceiling),
    autoApprove: entries(suggested.autoApprove),
    approvers: [...new Set(applicable.flatMap((p) => p.approvers))],
    maxTtl: longest.maxTtl,
  })
  return undefined
}

/** A ceiling may hold MAX_SCOPE_ENTRIES entries: more used objects widen to their schema (`verb:s.*`). */
function withinEntryLimit(used: Scope): Scope {
  if (used.length <= MAX_SCOPE_ENTRIES) return used
  const bySchema = sortScope(
    used.map((e) => {
      const dot = e.object.lastIndexOf('.')
      return { verb: e.verb, object: dot > 0 ? `${e.object.slice(0, dot)}.*` : '*' }
    }),
  )
  if (bySchema.length <= MAX_SCOPE_ENTRIES) return bySchema
  return sortScope(used.map((e) => ({ verb: e.verb, object: '*' })))
}

function sameScope(a: Scope, b: Scope): boolean {
  return formatScope(sortScope(a)) === formatScope(sortScope(b))
}

function byGroupThenResource(a: { group: string; resourceId: string }, b: typeof a): number {
  return a.group === b.group ? a.resourceId.localeCompare(b.resourceId) : a.group.localeCompare(b.group)
}

function policyYaml(policy: PolicyConfig): string[] {
  // Keys in the order the configuration reference lists them, whatever order the object was built in.
  const { group, resources, ceiling, autoApprove, approvers, maxTtl, ...rest } = policy
  const ordered = { group, resources, ceiling, autoApprove, approvers, maxTtl, ...rest }
  const text = stringify([ordered], { flowCollectionPadding: false, lineWidth: 0 })
  return text.trimEnd().split('\n')
}

function policiesSection(policies: readonly PolicyConfig[]): string {
  return `${['policies:', ...policies.flatMap((p) => policyYaml(p).map((l) => `  ${l}`))].join('\n')}\n`
}

/** Policy i of `proposed` is policy i of `current` rewritten (no resources left: removed); policies after
 * the current ones are new. Unchanged policies are context lines. */
function policiesDiff(current: readonly PolicyConfig[], proposed: readonly PolicyConfig[]): string {
  const lines = (p: PolicyConfig) => policyYaml(p).map((l) => `  ${l}`)
  const out: string[] = [' policies:']
  let changed = false
  proposed.forEach((policy, i) => {
    const old = current[i]
    const after = policy.resources.length > 0 ? lines(policy) : []
    if (old === undefined) {
      out.push(...after.map((l) => `+${l}`))
      changed = true
      return
    }
    const before = lines(old)
    if (before.join('\n') === after.join('\n')) {
      out.push(...before.map((l) => ` ${l}`))
      return
    }
    changed = true
    out.push(...lineDiff(before, after))
  })
  if (!changed) return ''
  return `${['--- policies (current)', '+++ policies (suggested)', ...out].join('\n')}\n`
}

/** Lines of one policy before and after, as ` `, `-` and `+` lines (longest common subsequence: a policy
 * is a few dozen lines, at most ~140 with MAX_SCOPE_ENTRIES entries in both lists). */
function lineDiff(before: readonly string[], after: readonly string[]): string[] {
  const common: number[][] = Array.from({ length: before.length + 1 }, () =>
    new Array(after.length + 1).fill(0),
  )
  for (let i = before.length - 1; i >= 0; i--)
    for (let j = after.length - 1; j >= 0; j--)
      common[i]![j] =
        before[i] === after[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!)
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      out.push(` ${before[i++]}`)
      j++
    } else if (j < after.length && (i === before.length || common[i]![j + 1]! >= common[i + 1]![j]!))
      out.push(`+${after[j++]}`)
    else out.push(`-${before[i++]}`)
  }
  return out
}
