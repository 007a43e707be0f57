// A planner's column statistics are values: PostgreSQL's pg_stats shows most_common_vals and histogram_bounds
// sampled from every analysed column of every table (pg_statistic and the extended statistics hold the
// same), MariaDB's mysql.column_stats the min_value, max_value and histogram of each, and MySQL's
// information_schema.COLUMN_STATISTICS its histograms. One row per column of any table, whatever the grant
// covers, and masked columns' values in clear under a column name no rule masks. A read of one is marked
// `column-statistics` (core refuses it under any masking rule, checks/masked-columns.ts) and needs what it
// shows: select on every table, `select:*.*` (a grant on some schemas does not cover it).
import type { Action, ScopeEntry } from '../../core/index.ts'

const EVERY_TABLE: ScopeEntry = { verb: 'select', object: '*.*' }

/** `action` with the trait and need of a read of column statistics when it reads one of `catalogs`
 * (`schema.name`, lower case, as needs name them); the same action otherwise. */
export function withColumnStatistics(action: Action, catalogs: ReadonlySet<string>): Action {
  if (!action.needs.some((need) => catalogs.has(need.object))) return action
  return {
    ...action,
    needs: action.needs.some((n) => n.verb === 'select' && n.object === EVERY_TABLE.object)
      ? action.needs
      : [...action.needs, EVERY_TABLE],
    traits: [...action.traits, 'column-statistics'],
  }
}
