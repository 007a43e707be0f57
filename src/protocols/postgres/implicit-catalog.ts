// What of PostgreSQL's catalog every session may read and call without a grant saying so: an ALLOW-LIST of
// what clients need to work (psql's \d family, drivers loading types, ORMs introspecting their tables), so a
// catalog object nobody listed here (a new statistics view, a function of a newer server) needs an explicit
// scope. Deliberately absent (issue 10): password hashes (pg_authid, pg_shadow, user mappings, subscription
// connection strings), other sessions (pg_stat_activity, pg_locks, advisory locks), column values
// (pg_stats.histogram_bounds and most_common_vals, extended statistics data, large objects, sequence
// positions), server files and settings (pg_hba_file_rules, pg_file_settings, pg_settings, pg_read_file),
// and anything that changes the server or waits on it (pg_stat_reset*, pg_sleep, replication, backups).
//
// Metadata stays readable for every schema, as PostgreSQL shows it to every role: table and column names,
// definitions, sizes. The grant decides whose rows a session reads, not whose names it sees.
import type { ScopeEntry } from '../../core/index.ts'
import { PG_CATALOG_FUNCTIONS } from './pg-catalog-functions.ts'

/** The catalogs that hold values sampled from columns (kit/column-statistics.ts): never implied, and refused
 * under masking whatever the grant says. */
export const PG_COLUMN_STATISTICS: ReadonlySet<string> = new Set(
  ['pg_stats', 'pg_stats_ext', 'pg_stats_ext_exprs', 'pg_statistic', 'pg_statistic_ext_data'].map(
    (name) => `pg_catalog.${name}`,
  ),
)

/** Catalog tables and views a client's metadata queries read. */
const PG_CATALOG_RELATIONS = `
  pg_aggregate pg_am pg_amop pg_amproc pg_attrdef pg_attribute pg_auth_members pg_cast pg_class pg_collation
  pg_constraint pg_conversion pg_database pg_default_acl pg_depend pg_description pg_enum pg_event_trigger
  pg_extension pg_foreign_data_wrapper pg_foreign_server pg_foreign_table pg_index pg_inherits pg_init_privs
  pg_language pg_largeobject_metadata pg_namespace pg_opclass pg_operator pg_opfamily pg_parameter_acl
  pg_partitioned_table pg_policy pg_proc pg_publication pg_publication_namespace pg_publication_rel pg_range
  pg_rewrite pg_seclabel pg_sequence pg_shdepend pg_shdescription pg_shseclabel pg_statistic_ext pg_tablespace
  pg_transform pg_trigger pg_ts_config pg_ts_config_map pg_ts_dict pg_ts_parser pg_ts_template pg_type
  pg_available_extension_versions pg_available_extensions pg_cursors pg_group pg_indexes pg_matviews
  pg_policies pg_prepared_statements pg_publication_tables pg_roles pg_rules pg_seclabels pg_tables
  pg_timezone_abbrevs pg_timezone_names pg_user pg_views`

/** information_schema views, all metadata; the user-mapping views show option values (passwords) to a
 * superuser and the server's own, so they are left out. */
const INFORMATION_SCHEMA_RELATIONS = `
  administrable_role_authorizations applicable_roles attributes character_sets check_constraint_routine_usage
  check_constraints collation_character_set_applicability collations column_column_usage column_domain_usage
  column_options column_privileges column_udt_usage columns constraint_column_usage constraint_table_usage
  data_type_privileges domain_constraints domain_udt_usage domains element_types enabled_roles
  foreign_data_wrapper_options foreign_data_wrappers foreign_server_options foreign_servers
  foreign_table_options foreign_tables information_schema_catalog_name key_column_usage parameters
  referential_constraints role_column_grants role_routine_grants role_table_grants role_udt_grants
  role_usage_grants routine_column_usage routine_privileges routine_routine_usage routine_sequence_usage
  routine_table_usage routines schemata sequences sql_features sql_implementation_info sql_parts sql_sizing
  table_constraints table_privileges tables transforms triggered_update_columns triggers udt_privileges
  usage_privileges user_defined_types view_column_usage view_routine_usage view_table_usage views`

/** information_schema's helper functions (JDBC's metadata queries call _pg_expandarray). */
const INFORMATION_SCHEMA_FUNCTIONS = `
  _pg_char_max_length _pg_char_octet_length _pg_datetime_precision _pg_expandarray _pg_index_position
  _pg_interval_type _pg_numeric_precision _pg_numeric_precision_radix _pg_numeric_scale _pg_truetypid
  _pg_truetypmod`

/** Built-in functions that are NOT implied, by name prefix: statistics and their resets, sleeping and advisory
 * locks (they reach other sessions), server files, large objects, replication, backups, WAL, logging. */
export const WITHHELD_FUNCTION_PREFIXES = [
  'pg_stat_',
  'pg_sleep',
  'pg_advisory_',
  'pg_try_advisory_',
  'pg_read_',
  'pg_ls_',
  'pg_file_',
  'lo_',
  'pg_create_',
  'pg_drop_',
  'pg_copy_',
  'pg_replication_',
  'pg_logical_',
  'pg_backup_',
  'pg_wal_replay_',
  'pg_control_',
  'pg_current_wal_',
  'pg_last_',
  'pg_get_wal_',
  'pg_walfile_',
  'pg_show_',
  'pg_rotate_logfile',
  'pg_relation_file',
  'pg_log_',
  'binary_upgrade_',
  'brin_summarize_',
  // Functions that read tables named in their arguments or run SQL given as text: the no-dynamic-sql
  // guardrail denies them too, but a guardrail can be switched off, and the scope must not imply them.
  'table_to_xml',
  'schema_to_xml',
  'database_to_xml',
  'query_to_xml',
  'cursor_to_xml',
]

/** Built-in functions that are NOT implied, by exact name. */
export const WITHHELD_FUNCTIONS = [
  // Settings and server files: current_setting is implied, but reads only what `show:` allows (classify-walk).
  'set_config',
  'pg_settings_get_flags',
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_config',
  'pg_current_logfile',
  'pg_tablespace_location',
  'pg_filenode_relation',
  'inet_server_addr',
  'inet_server_port',
  // Other sessions and the server itself.
  'pg_cancel_backend',
  'pg_terminate_backend',
  'pg_reload_conf',
  'pg_promote',
  'pg_switch_wal',
  'pg_import_system_collations',
  'pg_get_backend_memory_contexts',
  'pg_get_shmem_allocations',
  'pg_lock_status',
  'pg_blocking_pids',
  'pg_safe_snapshot_blocking_pids',
  'pg_isolation_test_session_is_blocked',
  'pg_prepared_xact',
  'pg_get_replication_slots',
  'pg_nextoid',
  'pg_stop_making_pinned_objects',
  'pg_extension_config_dump',
  'brin_desummarize_range',
  'gin_clean_pending_list',
  'ts_stat',
  'ts_rewrite',
  // Values: a sequence's position, large objects read by descriptor.
  'pg_sequence_last_value',
  'loread',
  'lowrite',
  // Writes hiding behind a function call: a read-only grant must not advance sequences or notify.
  'nextval',
  'setval',
  'pg_notify',
]

/** Settings a session may read (SHOW, current_setting) without a grant: what drivers and ORMs ask about the
 * session's own behaviour. Paths, files, libraries, connection strings and logging are not among them. */
export const HARMLESS_SETTINGS = `
  application_name array_nulls backslash_quote block_size bytea_output check_function_bodies client_encoding
  client_min_messages datestyle default_tablespace default_text_search_config default_transaction_deferrable
  default_transaction_isolation default_transaction_read_only escape_string_warning extra_float_digits
  idle_in_transaction_session_timeout idle_session_timeout in_hot_standby integer_datetimes intervalstyle
  is_superuser lc_collate lc_ctype lc_messages lc_monetary lc_numeric lc_time lock_timeout max_function_args
  max_identifier_length max_index_keys role row_security search_path server_encoding server_version
  server_version_num session_authorization standard_conforming_strings statement_timeout synchronous_commit
  temp_tablespaces timezone timezone_abbreviations transaction_deferrable transaction_isolation
  transaction_read_only xmlbinary xmloption`
  .trim()
  .split(/\s+/)

const words = (text: string): string[] => text.trim().split(/\s+/)

/** Catalog relations PostgreSQL 15 added: absent from older servers' pg_catalog, where an unqualified name
 * of theirs finds a table of that name in `public`. */
const PG_CATALOG_RELATIONS_SINCE_15 = new Set(['pg_parameter_acl', 'pg_publication_namespace'])

/** Catalog relations of every supported server: pg_catalog is searched before search_path (which back.ts
 * pins to `public`), so an unqualified one of these names can only ever mean the catalog's (classify-walk).
 * The others unqualified need both `pg_catalog.x` and `public.x` (classify-names). */
export const PG_CATALOG_RELATIONS_EVERYWHERE: ReadonlySet<string> = new Set(
  words(PG_CATALOG_RELATIONS).filter((name) => !PG_CATALOG_RELATIONS_SINCE_15.has(name)),
)

function withheld(name: string): boolean {
  return WITHHELD_FUNCTIONS.includes(name) || WITHHELD_FUNCTION_PREFIXES.some((p) => name.startsWith(p))
}

/** The implied catalog reads, calls and SHOWs as scope entries. */
export function implicitCatalogEntries(): ScopeEntry[] {
  const entries = (verb: string, schema: string, objects: string[]) =>
    objects.map((name) => ({ verb, object: schema ? `${schema}.${name}` : name }))
  return [
    ...entries('select', 'pg_catalog', words(PG_CATALOG_RELATIONS)),
    ...entries('select', 'information_schema', words(INFORMATION_SCHEMA_RELATIONS)),
    ...entries('execute', 'information_schema', words(INFORMATION_SCHEMA_FUNCTIONS)),
    // Generated names are plain lower-case identifiers, except the RI_FKey_* trigger functions, which a
    // client never calls.
    ...entries(
      'execute',
      'pg_catalog',
      [...PG_CATALOG_FUNCTIONS].filter((f) => !withheld(f) && f === f.toLowerCase()),
    ),
    ...entries('show', '', HARMLESS_SETTINGS),
  ]
}
