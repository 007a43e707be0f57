// What every PostgreSQL session may do without asking: the statements drivers and clients send on their own
// (catalog metadata reads, transaction control, harmless SET). Registered with core, which applies it in policy;
// anything in `except` must be granted explicitly even though `allow` would cover it.
import { type ImplicitScope, parseScope, type Scope } from '../../core/index.ts'
import { implicitCatalogEntries } from './implicit-catalog.ts'

/** Verbs that only read. A grant holding nothing else is read-only: its upstream sessions start with
 * default_transaction_read_only=on (back.ts) and it may not switch a transaction to READ WRITE. */
export const POSTGRES_READ_VERBS = ['select', 'show']

export function isReadOnlyScope(scope: Scope): boolean {
  return scope.every((entry) => POSTGRES_READ_VERBS.includes(entry.verb))
}

// `set:search_path` is deliberately absent: the classifier resolves unqualified names as `public.*`, so a
// session that could move its search path could make `invoices` mean `secret.invoices`. Catalog reads, calls
// and SHOWs are an allow-list (implicit-catalog.ts): what is not listed there needs an explicit scope.
export const POSTGRES_IMPLICIT_SCOPE: ImplicitScope = {
  allow: [
    ...parseScope(
      [
        'transaction:*',
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
    // Thousands of entries: built directly, as a grant's scope is bounded in size and this is not one.
    ...implicitCatalogEntries(),
  ],
  // BEGIN READ WRITE, SET TRANSACTION / SESSION CHARACTERISTICS ... READ WRITE, SET
  // [default_]transaction_read_only = off (classify-statements.ts): implied only for grants that may write.
  except: parseScope('transaction:read-write'),
  writers: { readVerbs: POSTGRES_READ_VERBS, allow: parseScope('transaction:read-write') },
}
