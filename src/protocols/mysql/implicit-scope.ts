// What every MySQL session may do without asking: the statements drivers and clients send on their own
// (session character sets, autocommit, transaction control, SHOW, information_schema reads), as the
// PostgreSQL kind's implicit-scope.ts does for its clients. The kind registry of the protocol seam is
// where this gets registered with core.
//
// `set:sql_mode` is deliberately absent: ANSI_QUOTES and NO_BACKSLASH_ESCAPES change where strings end,
// and so what the classifier reads (classify-lex.ts); a session may take it only when granted explicitly.
// `set:foreign_key_checks` and `set:unique_checks` are absent too: they let writes skip integrity checks.
import { type ImplicitScope, parseScope, type Scope } from '../../core/index.ts'

/** Every verb the MySQL classifier emits: the kind's data (src/kinds/mysql.ts). */
export { MYSQL_SCOPE_VERBS } from '../../kinds/mysql.ts'

/** Verbs that only read; a grant holding nothing else is read-only (provisioner.ts, back.ts `readOnly`). */
const MYSQL_READ_VERBS = ['select', 'show']

export const isReadOnlyScope = (scope: Scope): boolean =>
  scope.every((e) => MYSQL_READ_VERBS.includes(e.verb))

const SESSION_SETTINGS = [
  'names',
  'autocommit',
  'character_set_client',
  'character_set_connection',
  'character_set_results',
  'collation_connection',
  'time_zone',
  'transaction_isolation',
  'tx_isolation',
  'session_track_schema',
  'session_track_state_change',
  'session_track_system_variables',
  'session_track_transaction_info',
  'net_write_timeout',
  'net_read_timeout',
  'wait_timeout',
  'interactive_timeout',
  'sql_select_limit',
  'max_statement_time',
  'max_execution_time',
  'sql_safe_updates',
  'sql_auto_is_null',
  'sql_notes',
  'sql_quote_show_create',
  'group_concat_max_len',
  'lc_messages',
  'lc_time_names',
  'div_precision_increment',
  'profiling',
]

/** The information_schema tables drivers, GUIs and ORMs read to learn a schema and the server (Connector/J's
 * DatabaseMetaData, Workbench, DBeaver, SQLAlchemy's reflection): an allow-list, so what the server adds
 * later is not implied. Left out on purpose: PROCESSLIST and INNODB_TRX (other sessions' SQL), INNODB_LOCKS
 * and INNODB_LOCK_WAITS (key values of locked rows), QUERY_CACHE_INFO (cached statements), the *_STATISTICS
 * tables and MySQL's COLUMN_STATISTICS (histograms hold column values): a target account that may see them
 * (PROCESS, or every session as root) would show them to any grant. */
const INFORMATION_SCHEMA_TABLES = [
  'schemata',
  'tables',
  'columns',
  'views',
  'statistics',
  'key_column_usage',
  'referential_constraints',
  'table_constraints',
  'check_constraints',
  'routines',
  'parameters',
  'triggers',
  'events',
  'partitions',
  'character_sets',
  'collations',
  'collation_character_set_applicability',
  'engines',
  'plugins',
  'keywords',
  'sql_functions',
  'session_variables',
  'global_variables',
  'system_variables',
  'session_status',
  'global_status',
  'column_privileges',
  'table_privileges',
  'schema_privileges',
  'user_privileges',
  'applicable_roles',
  'enabled_roles',
  'user_variables',
  'profiling',
  'optimizer_trace',
  'tablespaces',
  'files',
  'geometry_columns',
  'spatial_ref_sys',
]

/** The tables that hold values sampled from columns (kit/column-statistics.ts): MariaDB's engine-independent
 * statistics (min_value, max_value, histogram) and MySQL's histograms. Refused under masking whatever the
 * grant says; mysql.table_stats and index_stats hold counts only. */
export const MYSQL_COLUMN_STATISTICS: ReadonlySet<string> = new Set([
  'mysql.column_stats',
  'information_schema.column_statistics',
])

export const MYSQL_IMPLICIT_SCOPE: ImplicitScope = {
  // Entries, not parsed text: the list is longer than a grant's scope may be.
  allow: [
    ...INFORMATION_SCHEMA_TABLES.map((table) => ({ verb: 'select', object: `information_schema.${table}` })),
    ...parseScope(
      ['show:*', 'transaction:*', 'deallocate:*', ...SESSION_SETTINGS.map((name) => `set:${name}`)].join(','),
    ),
  ],
  // START TRANSACTION READ WRITE, SET TRANSACTION READ WRITE: implied only for grants that may write, so a
  // read-only session (back.ts `readOnly`) cannot switch itself back.
  // SHOW PROCESSLIST (and SHOW EXPLAIN/ANALYZE FOR a thread), SHOW ENGINE … STATUS and SHOW BINLOG/RELAYLOG
  // EVENTS show other sessions' statements and the rows they wrote (classify-statements.ts).
  except: parseScope('transaction:read-write,show:processlist,show:engine,show:binlog'),
  writers: { readVerbs: MYSQL_READ_VERBS, allow: parseScope('transaction:read-write') },
}
