// A plan dry-run at request time (issue 16): each statement of a grant's plan classified again by its
// protocol and decided under the rules in force as if the grant were active, so the approver sees which
// planned statements guardrails would still hold or deny before approving the scope. No statement runs.
import type { ResourceConfig } from '../../config/schema.ts'
import type { Grant } from '../grants/grant.ts'
import type { Action } from '../policy/action.ts'
import { decide } from '../policy/decide.ts'
import type { Reclassify } from '../policy/replay-policy.ts'
import type { Rules } from '../policy/rules.ts'

export interface PlanCheck {
  text: string
  outcome: 'allow' | 'deny' | 'hold'
  rule?: string
  reason?: string
}

/** At most this many planned statements are decided (a plan holds at most 1,000). */
const MAX_CHECKED = 200

export function checkPlan(
  grant: Grant,
  resource: ResourceConfig,
  reclassify: Reclassify,
  rules: Rules,
  now: Date,
): PlanCheck[] {
  // Decided as the grant would be once approved: active, for its requested time.
  const active: Grant = {
    ...grant,
    status: 'active',
    expiresAt: new Date(now.getTime() + grant.ttlSeconds * 1000),
  }
  return (grant.plan?.statements ?? []).slice(0, MAX_CHECKED).map(({ text }) => {
    let action: Action | undefined
    try {
      action = reclassify(text, resource, { kind: 'plan' })
    } catch (error) {
      return { text, outcome: 'deny', rule: 'classify', reason: String(error) }
    }
    if (!action) return { text, outcome: 'deny', rule: 'classify', reason: 'it is no decided action' }
    const decision = decide(action, active, rules, now)
    if (decision.outcome === 'allow') return { text, outcome: 'allow' }
    return {
      text,
      outcome: decision.outcome === 'approve-first' ? 'hold' : 'deny',
      rule: decision.rule,
      reason: decision.reason,
    }
  })
}

/** The plan check of a grant with a plan, when its resource kind registered a classifier for replay. */
export function planCheckFor(
  ctx: { resources: Map<string, ResourceConfig>; clock: { now(): Date } },
  rt: { registered: { reclassifiers: Map<string, Reclassify> }; rulesFor(resource: ResourceConfig): Rules },
  grant: Grant,
): PlanCheck[] | undefined {
  const resource = ctx.resources.get(grant.resourceId)
  const reclassify = resource && rt.registered.reclassifiers.get(resource.kind)
  if (!grant.plan || !resource || !reclassify) return undefined
  return checkPlan(grant, resource, reclassify, rt.rulesFor(resource), ctx.clock.now())
}
