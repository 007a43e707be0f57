// How PostgreSQL object names become Scope objects, and which built-in functions carry guardrail traits.
//
// Objects are `schema.name`, each part exactly as the parser resolved it (unquoted identifiers are already
// folded to lower case; quoted ones keep their case). A part that is not a plain lower-case identifier is
// written double-quoted, so `"Billing"."Invoices"` stays distinct from billing.invoices and a dot or `*`
// inside a quoted name cannot be mistaken for a separator or a wildcard.
//
// Unqualified names resolve through search_path. back.ts pins it to `public` at session start (a startup
// parameter: it outranks ALTER DATABASE / ALTER ROLE defaults and is what RESET and DISCARD ALL go back to), so
// an unqualified name is `public.x`: that is where an unqualified CREATE puts it and where an unqualified
// lookup finds a user object. Two exceptions keep that from widening a grant: pg_catalog is always searched
// first, so an unqualified `pg_*` name (the prefix every catalog relation and most system functions use)
// needs both `pg_catalog.x` and `public.x`; and moving the path (SET search_path, set_config) needs
// `set:search_path` and carries the trait `search-path-change`.

const PLAIN = /^[a-z_][a-z0-9_$]*$/

export const DEFAULT_SCHEMA = 'public'

/** One name part, double-quoted when it is not a plain lower-case identifier. */
export function ident(part: string): string {
  return PLAIN.test(part) ? part : `"${part.replaceAll('"', '""')}"`
}

/** The Scope objects an optionally schema-qualified name can refer to. */
export function objectsFor(schema: string | undefined, name: string): string[] {
  if (schema !== undefined) return [`${ident(schema)}.${ident(name)}`]
  if (name.startsWith('pg_')) return [`pg_catalog.${ident(name)}`, `${DEFAULT_SCHEMA}.${ident(name)}`]
  return [`${DEFAULT_SCHEMA}.${ident(name)}`]
}

/** Objects for a dotted name list as the parser gives it (`[catalog?, schema?, name]`). */
export function objectsForNames(names: readonly string[]): string[] {
  const name = names[names.length - 1]
  if (name === undefined) return ['*']
  return objectsFor(names.length > 1 ? names[names.length - 2] : undefined, name)
}

/** All objects inside one schema: only a grant on `schema.*` (or `*`) covers it (see objectMatches). */
export function schemaObject(schema: string): string {
  return `${ident(schema)}.*`
}

// Built-in functions whose effect a guardrail must see whatever schema the call names. Names are matched
// without their schema: a user function shadowing one of these gets the trait too, which only over-warns.
const FUNCTION_TRAITS: Record<string, readonly string[]> = {}
const add = (trait: string, names: string) => {
  for (const name of names.split(' ')) FUNCTION_TRAITS[name] = [...(FUNCTION_TRAITS[name] ?? []), trait]
}
add(
  'system-change',
  'set_config pg_reload_conf pg_rotate_logfile pg_promote pg_terminate_backend pg_cancel_backend pg_switch_wal ' +
    'pg_create_restore_point pg_backup_start pg_backup_stop pg_wal_replay_pause pg_wal_replay_resume ' +
    'pg_create_physical_replication_slot pg_create_logical_replication_slot pg_drop_replication_slot ' +
    'pg_copy_physical_replication_slot pg_copy_logical_replication_slot pg_logical_emit_message ' +
    'pg_log_backend_memory_contexts pg_replication_origin_create pg_replication_origin_drop',
)
add(
  'server-file',
  'pg_read_file pg_read_binary_file pg_ls_dir pg_stat_file pg_ls_logdir pg_ls_waldir pg_ls_tmpdir ' +
    'pg_ls_archive_statusdir pg_ls_logicalsnapdir pg_ls_logicalmapdir pg_ls_replslotdir pg_current_logfile ' +
    'lo_import lo_export pg_file_write pg_file_rename pg_file_unlink pg_file_sync',
)
// Functions that run SQL given as a string: what they touch is invisible to this classifier.
add(
  'dynamic-sql',
  'query_to_xml query_to_xmlschema query_to_xml_and_xmlschema cursor_to_xml cursor_to_xmlschema table_to_xml ' +
    'table_to_xmlschema table_to_xml_and_xmlschema schema_to_xml schema_to_xmlschema schema_to_xml_and_xmlschema ' +
    'database_to_xml database_to_xmlschema database_to_xml_and_xmlschema ts_stat ts_rewrite dblink dblink_exec ' +
    'dblink_open dblink_send_query dblink_fetch',
)
add(
  'writes',
  'nextval setval lo_create lo_creat lo_unlink lowrite lo_put lo_from_bytea lo_truncate lo_truncate64',
)

export function functionTraits(name: string): readonly string[] {
  return Object.hasOwn(FUNCTION_TRAITS, name) ? FUNCTION_TRAITS[name]! : []
}
