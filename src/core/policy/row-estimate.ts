import type { Grant } from '../grants/grant.ts'
import type { Action } from './action.ts'
import { guardrailApplies } from './checks/guardrails.ts'
import { decide } from './decide.ts'
import type { Rules } from './rules.ts'

/** Whether `action` should get its estimatedRows before it is decided: a guardrail with `rowsOver` applies
 * to it, and nothing else denies it already. An estimate can only add matches, so it never turns a denial
 * into an allow; and a statement the grant does not cover is never sent to the target to be estimated. */
export function wantsRowEstimate(action: Action, grant: Grant, rules: Rules, now: Date): boolean {
  if (action.estimatedRows !== undefined) return false
  if (!rules.guardrails.some((g) => g.rowsOver !== undefined && guardrailApplies(g, action, grant)))
    return false
  const withoutCounting = { ...rules, guardrails: rules.guardrails.filter((g) => g.rowsOver === undefined) }
  return decide(action, grant, withoutCounting, now).outcome !== 'deny'
}
