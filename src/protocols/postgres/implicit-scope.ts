// What every PostgreSQL session may do without asking: the statements drivers and clients send on their own
// (catalog reads, transaction control, harmless SET). Registered with core, which applies it in policy;
// anything in `except` must be granted explicitly even though `allow` would cover it.
import { type ImplicitScope, parseScope, type Scope } from '../../core/index.ts'

/** Verbs that only read. A grant holding nothing else is read-only: its upstream sessions start with
 * default_transaction_read_only=on (back.ts) and it may not switch a transaction to READ WRITE. */
export const POSTGRES_READ_VERBS = ['select', 'show']

export function isReadOnlyScope(scope: Scope): boolean {
  return scope.every((entry) => POSTGRES_READ_VERBS.includes(entry.verb))
}

// `set:search_path` is deliberately absent: the classifier resolves unqualified names as `public.*`, so a
// session that could move its search path could make `invoices` mean `secret.invoices`.
export const POSTGRES_IMPLICIT_SCOPE: ImplicitScope = {
  allow: parseScope(
    [
      'select:pg_catalog.*',
      'select:information_schema.*',
      'execute:pg_catalog.*',
      'transaction:*',
      'show:*',
      'discard:*',
      'deallocate:*',
      'close:*',
      'fetch:*',
      'declare:*',
      'set:application_name',
      'set:client_encoding',
      'set:client_min_messages',
      'set:datestyle',
      'set:intervalstyle',
      'set:extra_float_digits',
      'set:timezone',
      'set:statement_timeout',
      'set:lock_timeout',
      'set:idle_in_transaction_session_timeout',
      'set:bytea_output',
      'set:standard_conforming_strings',
      'set:transaction_isolation',
      'set:default_transaction_isolation',
    ].join(','),
  ),
  // Functions that act on the server, other sessions, files or settings: never implied by a data grant.
  except: parseScope(
    [
      'execute:pg_catalog.set_config',
      'execute:pg_catalog.pg_terminate_backend',
      'execute:pg_catalog.pg_cancel_backend',
      'execute:pg_catalog.pg_reload_conf',
      'execute:pg_catalog.pg_rotate_logfile',
      'execute:pg_catalog.pg_read_file',
      'execute:pg_catalog.pg_read_binary_file',
      'execute:pg_catalog.pg_ls_*',
      'execute:pg_catalog.pg_stat_file',
      'execute:pg_catalog.lo_*',
      'execute:pg_catalog.pg_switch_wal',
      'execute:pg_catalog.pg_promote',
      'execute:pg_catalog.pg_create_*',
      'execute:pg_catalog.pg_drop_*',
      'execute:pg_catalog.pg_replication_*',
      'execute:pg_catalog.pg_logical_*',
      'execute:pg_catalog.pg_file_*',
      'execute:pg_catalog.pg_import_system_collations',
      'execute:pg_catalog.pg_backup_*',
      // Writes hiding behind a function call: a read-only grant must not advance sequences or notify.
      'execute:pg_catalog.nextval',
      'execute:pg_catalog.setval',
      'execute:pg_catalog.pg_notify',
      // BEGIN READ WRITE, SET TRANSACTION / SESSION CHARACTERISTICS ... READ WRITE, SET
      // [default_]transaction_read_only = off (classify-statements.ts): implied only for grants that may write.
      'transaction:read-write',
    ].join(','),
  ),
  writers: { readVerbs: POSTGRES_READ_VERBS, allow: parseScope('transaction:read-write') },
}
