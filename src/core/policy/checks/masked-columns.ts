import type { Grant } from '../../grants/grant.ts'
import type { CompiledRule } from '../../masking/rules.ts'
import type { Action } from '../action.ts'
import type { Decision } from '../decision.ts'
import type { Rules } from '../rules.ts'

/** A column masked for this grant may be returned as it is, and masked on the way out, but not computed on:
 * `WHERE substr(ssn, 1, 3) = '987'` returns ids only for matching rows, and `1/(ascii(ssn) - 49)` fails only
 * for one digit, so a client could recover the clear value one question at a time (issue #10). Unless the
 * masking rule says `allowPredicates: true`, a statement that filters, joins, sorts, groups on, passes to a
 * function or operator, or reads in a nested query a column the rule masks is denied. Names are matched
 * without their table (a qualified rule also matches a column of unknown table): that fails closed. */
export function maskedColumnsOnlyProjected(action: Action, grant: Grant, rules: Rules): Decision | undefined {
  const used = action.computesOn
  const renames = action.traits.includes('renames')
  const statistics = action.traits.includes(COLUMN_STATISTICS)
  if ((used === undefined && !renames && !statistics) || rules.masking === undefined) return undefined
  const masking = rules.masking(grant.groups)
  if (masking === undefined) return undefined
  // A planner's statistics are values sampled from columns (PostgreSQL's most_common_vals and
  // histogram_bounds, MariaDB's min/max and histograms): masked ones too, under no name a rule knows.
  const inForce = masking.rules[0]
  if (statistics && inForce !== undefined)
    return {
      outcome: 'deny',
      code: 'TG_MASKED_COLUMN_COMPUTED',
      rule: `masking:${inForce.id}`,
      reason: `taskgate masking rule ${inForce.id}: column statistics hold values sampled from columns, masked ones included, so reading them is refused for a grant with masking rules`,
      requestHint: `Read the table itself (its masked columns come back masked), or ask for a grant without masking rule ${inForce.id}.`,
    }
  // Rules match columns (and tables) by name: a renamed column would be returned in clear and questioned.
  if (renames && masking.namesColumns) {
    const rule = masking.rules.find((r) => r.columns !== undefined)!
    return {
      outcome: 'deny',
      code: 'TG_MASKED_COLUMN_COMPUTED',
      rule: `masking:${rule.id}`,
      reason: `taskgate masking rule ${rule.id}: masking rules name columns and tables, so renaming one is refused for this grant (a renamed masked column would no longer be masked)`,
      requestHint: `Ask an administrator to rename it, or for a grant without masking rule ${rule.id}.`,
    }
  }
  if (used === undefined) return undefined
  for (const name of used.columns) {
    const rule = masking.forbidsComputingOn({ name })
    const view = used.viaViews?.get(name)
    if (rule) return denial(rule, view ? `column ${name} (which view ${view} carries)` : `column ${name}`)
  }
  if (used.wholeRow && masking.forbidsComputingOnRows)
    return denial(masking.forbidsComputingOnRows, 'a whole row, which holds masked columns,')
  if (used.untracedSource !== undefined && masking.forbidsComputingOnRows)
    return denial(
      masking.forbidsComputingOnRows,
      `what ${used.untracedSource} gives, which may carry masked columns,`,
    )
  return undefined
}

/** The trait of a read of a catalog of column statistics (protocols/kit/column-statistics.ts). */
const COLUMN_STATISTICS = 'column-statistics'

function denial(rule: CompiledRule, what: string): Decision {
  return {
    outcome: 'deny',
    code: 'TG_MASKED_COLUMN_COMPUTED',
    rule: `masking:${rule.id}`,
    reason: `taskgate masking rule ${rule.id}: ${what} is masked for this grant; a statement may return it as it is, but not filter, join, sort or group on it, nor pass it to a function or operator, nor read it in a nested query`,
    requestHint: `Select the column without computing on it, or ask an administrator to set allowPredicates: true on masking rule ${rule.id}.`,
  }
}
