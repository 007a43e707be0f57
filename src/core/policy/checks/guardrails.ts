import type { Grant } from '../../grants/grant.ts'
import { scopeCovers } from '../../grants/scope.ts'
import type { Action } from '../action.ts'
import type { Decision } from '../decision.ts'
import type { Guardrail, Rules } from '../rules.ts'

/** The guardrail's groups and its kinds/traits/needs/pattern match the action (its `rowsOver` aside). */
export function guardrailApplies(g: Guardrail, action: Action, grant: Grant): boolean {
  if (g.groups && !g.groups.some((group) => grant.groups.includes(group))) return false
  if (g.exceptGroups?.some((group) => grant.groups.includes(group))) return false
  if (g.traits?.some((t) => action.traits.includes(t))) return true
  // `stmt:<Kind>` traits name statements nested anywhere (CTEs, PREPARE/EXECUTE, EXPLAIN ANALYZE).
  if (g.kinds?.some((k) => action.traits.includes(`stmt:${k}`) || action.kind.split(';').includes(k)))
    return true
  if (g.needs?.length && [...action.needs, ...(action.parts ?? [])].some((n) => scopeCovers(g.needs!, n)))
    return true
  if (g.pattern?.test(action.text)) return true
  return false
}

export function guardrailMatches(g: Guardrail, action: Action, grant: Grant): boolean {
  if (!guardrailApplies(g, action, grant)) return false
  if (g.rowsOver === undefined) return true
  // "Where knowable": an unknown estimate matches only when the rule says so.
  // Unknown: a deny rule fails closed unless it says otherwise; an approve rule lets it through by default.
  if (action.estimatedRows === undefined)
    return (g.whenUnknown ?? (g.action === 'deny' ? 'match' : 'no-match')) === 'match'
  return action.estimatedRows > g.rowsOver
}

/** A deny guardrail refuses an action whatever the grant says. */
export function guardrailDenials(action: Action, grant: Grant, rules: Rules): Decision | undefined {
  for (const g of rules.guardrails) {
    if (g.action !== 'deny' || !guardrailMatches(g, action, grant)) continue
    return {
      outcome: 'deny',
      code: 'TG_GUARDRAIL',
      rule: `guardrail:${g.id}`,
      reason: reasonFor(g, action),
      requestHint:
        'This guardrail applies whatever the grant; ask an administrator if the task really needs it.',
    }
  }
  return undefined
}

/** An approve guardrail holds an action for a human. decide() runs it only after the scope check: an approval
 * may narrow what a grant allows, never widen it, so an approver is never asked about excess scope (#10). */
export function guardrailHolds(action: Action, grant: Grant, rules: Rules): Decision | undefined {
  const hold = rules.guardrails.find((g) => g.action === 'approve' && guardrailMatches(g, action, grant))
  if (hold) return { outcome: 'approve-first', rule: `guardrail:${hold.id}`, reason: reasonFor(hold, action) }
  return undefined
}

function reasonFor(g: Guardrail, action: Action): string {
  const reason = `taskgate guardrail ${g.id}: ${g.description}`
  if (g.rowsOver === undefined) return reason
  const over = count(g.rowsOver)
  if (action.estimatedRows === undefined)
    return `${reason} (row count unknown: the statement could not be estimated, and this rule counts that as over ${over})`
  return `${reason} (about ${count(action.estimatedRows)} rows estimated, over ${over})`
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US')
