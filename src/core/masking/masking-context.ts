import { type MaskingPlan, planMasking, type ResultColumn } from './masker.ts'
import { applicableRules, type MaskingRuleSet } from './rules.ts'

/**
 * The masking rules in force for one principal (by groups) on one resource, as a protocol uses them: plan
 * a result once per column signature, then mask only what the plan names.
 */
export interface MaskingContext {
  readonly resourceId: string
  readonly groups: readonly string[]
  /** Some rule in force names a table (`customers.ssn`, or a regex tried on `table.column`): the protocol
   * should tell result columns' tables, or such rules match by column name alone (fail closed). */
  readonly namesTables: boolean
  /** Some rule in force masks by column name only: a value echoed outside its column (an error DETAIL)
   * cannot be recognised by content. */
  readonly masksByName: boolean
  plan(columns: readonly ResultColumn[]): MaskingPlan
}

/** The context for `resourceId` and `groups`, or undefined when no rule applies (nothing to mask). */
export function maskingContextFor(
  ruleSet: MaskingRuleSet,
  resourceId: string,
  groups: readonly string[],
): MaskingContext | undefined {
  const rules = applicableRules(ruleSet, resourceId, groups)
  if (rules.length === 0) return undefined
  const patterns = rules.flatMap((r) => r.columns ?? [])
  return {
    resourceId,
    groups,
    namesTables: patterns.some((p) => p.source.startsWith('/') || !p.namesKeys),
    masksByName: rules.some((r) => r.columns !== undefined && r.detectors === undefined),
    plan: (columns) => planMasking(columns, ruleSet, groups, resourceId),
  }
}
