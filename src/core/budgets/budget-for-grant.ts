// The budget in force for a grant: from every policy that covers the grant's groups on its resource, the
// highest threshold each sets (as a grant's ceiling is the union of its policies). A policy without a budget
// adds nothing; no budget at all: nothing is counted.
import type { BudgetLevel, BudgetMetric } from '../../config/budget-config.ts'
import type { PolicyConfig } from '../../config/schema.ts'
import type { Grant } from '../grants/grant.ts'
import type { BudgetLimits } from './budget-meter.ts'

export function budgetForGrant(grant: Grant, policies: readonly PolicyConfig[]): BudgetLimits | undefined {
  const limits: BudgetLimits = {}
  let any = false
  for (const policy of policies) {
    if (!policy.budget || !grant.groups.includes(policy.group)) continue
    if (!policy.resources.includes('*') && !policy.resources.includes(grant.resourceId)) continue
    for (const [metric, thresholds] of Object.entries(policy.budget) as Array<
      [BudgetMetric, Partial<Record<BudgetLevel, number>> | undefined]
    >) {
      if (!thresholds) continue
      const merged: Partial<Record<BudgetLevel, number>> = { ...limits[metric] }
      for (const level of ['warn', 'hold', 'end'] as const) {
        const n = thresholds[level]
        if (n !== undefined) merged[level] = Math.max(merged[level] ?? 0, n)
      }
      limits[metric] = merged as BudgetLimits[BudgetMetric]
      any = true
    }
  }
  return any ? limits : undefined
}
