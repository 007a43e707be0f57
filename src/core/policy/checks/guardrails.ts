import type { Grant } from '../../grants/grant.ts'
import { scopeCovers } from '../../grants/scope.ts'
import type { Action } from '../action.ts'
import type { Decision } from '../decision.ts'
import type { Guardrail, Rules } from '../rules.ts'

export function guardrailMatches(g: Guardrail, action: Action, grant: Grant): boolean {
  if (g.groups && !g.groups.some((group) => grant.groups.includes(group))) return false
  if (g.exceptGroups?.some((group) => grant.groups.includes(group))) return false
  if (g.traits?.some((t) => action.traits.includes(t))) return true
  // `stmt:<Kind>` traits name statements nested anywhere (CTEs, PREPARE/EXECUTE, EXPLAIN ANALYZE).
  if (g.kinds?.some((k) => action.traits.includes(`stmt:${k}`) || action.kind.split(';').includes(k)))
    return true
  if (g.needs?.length && action.needs.some((n) => scopeCovers(g.needs!, n))) return true
  if (g.pattern?.test(action.text)) return true
  return false
}

/** A guardrail denies or holds an action whatever the grant says; deny rules win over approve rules. */
export function guardrails(action: Action, grant: Grant, rules: Rules): Decision | undefined {
  let hold: Guardrail | undefined
  for (const g of rules.guardrails) {
    if (!guardrailMatches(g, action, grant)) continue
    if (g.action === 'deny') {
      return {
        outcome: 'deny',
        code: 'TG_GUARDRAIL',
        rule: `guardrail:${g.id}`,
        reason: `taskgate guardrail ${g.id}: ${g.description}`,
        requestHint:
          'This guardrail applies whatever the grant; ask an administrator if the task really needs it.',
      }
    }
    hold ??= g
  }
  if (hold)
    return {
      outcome: 'approve-first',
      rule: `guardrail:${hold.id}`,
      reason: `taskgate guardrail ${hold.id}: ${hold.description}`,
    }
  return undefined
}
