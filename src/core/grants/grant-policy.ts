// Decides a grant request against the configured policies: within the auto-approve scope -> granted at
// once; within the ceiling -> a human approver decides; outside the ceiling -> denied, naming what is allowed.
import type { PolicyConfig, ResourceConfig } from '../../config/schema.ts'
import type { Principal } from '../identity/principal.ts'
import { formatDuration, parseDurationSeconds } from './duration.ts'
import { entriesOutside, formatScope, parseScopeEntry, type Scope } from './scope.ts'
import { canonicalScope } from './scope-verbs.ts'

export type GrantVerdict =
  | { outcome: 'grant'; ttlSeconds: number; reason: string }
  | { outcome: 'approve'; ttlSeconds: number; reason: string; approverGroups: string[] }
  | { outcome: 'deny'; reason: string; allowed: Scope }

export interface PolicyView {
  ceiling: Scope
  autoApprove: Scope
  approverGroups: string[]
  maxTtlSeconds: number
}

/** The union of every policy that applies to this principal on this resource (undefined: none applies). */
export function policyFor(
  principal: Principal,
  resource: ResourceConfig,
  policies: PolicyConfig[],
): PolicyView | undefined {
  const applicable = policies.filter(
    (p) =>
      principal.groups.includes(p.group) && (p.resources.includes('*') || p.resources.includes(resource.id)),
  )
  if (applicable.length === 0) return undefined
  return {
    ceiling: canonicalScope(
      resource.kind,
      applicable.flatMap((p) => p.ceiling.map(parseScopeEntry)),
    ),
    autoApprove: canonicalScope(
      resource.kind,
      applicable.flatMap((p) => p.autoApprove.map(parseScopeEntry)),
    ),
    approverGroups: [...new Set(applicable.flatMap((p) => p.approvers))],
    maxTtlSeconds: Math.max(...applicable.map((p) => parseDurationSeconds(p.maxTtl))),
  }
}

export function decideGrantRequest(
  view: PolicyView | undefined,
  resource: ResourceConfig,
  scope: Scope,
  ttlSeconds: number,
): GrantVerdict {
  if (!view) {
    return {
      outcome: 'deny',
      reason: `No policy gives your groups access to resource "${resource.id}".`,
      allowed: [],
    }
  }
  const outside = entriesOutside(scope, view.ceiling)
  if (outside.length > 0) {
    return {
      outcome: 'deny',
      reason: `Requested ${formatScope(outside)} is beyond your ceiling on "${resource.id}"; you may request within ${formatScope(view.ceiling)}.`,
      allowed: view.ceiling,
    }
  }
  if (ttlSeconds > view.maxTtlSeconds) {
    return {
      outcome: 'deny',
      reason: `Requested TTL ${formatDuration(ttlSeconds)} exceeds the maximum ${formatDuration(view.maxTtlSeconds)} on "${resource.id}"; ask for ${formatDuration(view.maxTtlSeconds)} or less.`,
      allowed: view.ceiling,
    }
  }
  if (entriesOutside(scope, view.autoApprove).length === 0) {
    return { outcome: 'grant', ttlSeconds, reason: 'within the auto-approved scope' }
  }
  if (view.approverGroups.length === 0) {
    return {
      outcome: 'deny',
      reason: `Requested scope needs approval but no approver group is configured for "${resource.id}"; request within ${formatScope(view.autoApprove)}.`,
      allowed: view.autoApprove,
    }
  }
  return {
    outcome: 'approve',
    ttlSeconds,
    reason: `beyond the auto-approved scope (${formatScope(view.autoApprove) || 'none'}); needs an approver from ${view.approverGroups.join(', ')}`,
    approverGroups: view.approverGroups,
  }
}
