import type { ColumnRef } from './column-pattern.ts'
import { type MaskingPlan, planMasking, type ResultColumn } from './masker.ts'
import { applicableRules, type CompiledRule, type MaskingRuleSet, ruleMatchesColumn } from './rules.ts'

/**
 * The masking rules in force for one principal (by groups) on one resource, as a protocol uses them: plan
 * a result once per column signature, then mask only what the plan names.
 */
export interface MaskingContext {
  readonly resourceId: string
  readonly groups: readonly string[]
  /** Some rule in force names columns: the protocol should tell result columns' origins (the source column
   * of an alias, what a computed value may carry), or an alias or an expression sheds the rule. */
  readonly namesColumns: boolean
  /** The rules in force, in configuration order (for a masking test to name what masked a column). */
  readonly rules: readonly CompiledRule[]
  plan(columns: readonly ResultColumn[]): MaskingPlan
  /** Whether a rule in force names this column (a qualified rule matches a column of unknown table). */
  masksColumn(column: ColumnRef): boolean
  /** The first rule in force that names this column and forbids computing on it (no `allowPredicates`). */
  forbidsComputingOn(column: ColumnRef): CompiledRule | undefined
  /** The first rule in force that names columns and forbids computing on them: a whole row holds them. */
  readonly forbidsComputingOnRows: CompiledRule | undefined
}

/** The context for `resourceId` and `groups`, or undefined when no rule applies (nothing to mask). */
export function maskingContextFor(
  ruleSet: MaskingRuleSet,
  resourceId: string,
  groups: readonly string[],
): MaskingContext | undefined {
  const rules = applicableRules(ruleSet, resourceId, groups)
  if (rules.length === 0) return undefined
  return {
    resourceId,
    groups,
    namesColumns: rules.some((r) => r.columns !== undefined),
    rules,
    plan: (columns) => planMasking(columns, ruleSet, groups, resourceId),
    masksColumn: (column) => rules.some((r) => ruleMatchesColumn(r, column)),
    forbidsComputingOn: (column) => rules.find((r) => !r.allowPredicates && ruleMatchesColumn(r, column)),
    forbidsComputingOnRows: rules.find((r) => !r.allowPredicates && r.columns !== undefined),
  }
}
