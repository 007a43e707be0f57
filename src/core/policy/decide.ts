import type { Grant } from '../grants/grant.ts'
import type { Action } from './action.ts'
import { classified } from './checks/classified.ts'
import { grantIsLive } from './checks/grant-is-live.ts'
import { guardrailDenials, guardrailHolds } from './checks/guardrails.ts'
import { maskedColumnsOnlyProjected } from './checks/masked-columns.ts'
import { scopeCoversAction } from './checks/scope-covers.ts'
import { ALLOW, type Decision } from './decision.ts'
import type { Rules } from './rules.ts'

/** The policy pipeline: small pure checks in order; the first that answers decides. Holds come after the scope
 * check, so an approval never lets through what the grant does not cover. */
export function decide(action: Action, grant: Grant, rules: Rules, now: Date): Decision {
  return (
    grantIsLive(grant, now) ??
    classified(action) ??
    guardrailDenials(action, grant, rules) ??
    scopeCoversAction(action, grant, rules) ??
    maskedColumnsOnlyProjected(action, grant, rules) ??
    guardrailHolds(action, grant, rules) ??
    ALLOW
  )
}
