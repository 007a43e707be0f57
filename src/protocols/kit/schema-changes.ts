// What a resource's names are can change under the gateway's caches: `CREATE OR REPLACE VIEW v` keeps v's
// OID and name and changes what its columns carry; `CREATE VIEW x` makes a name that was a plain table (or
// nothing) a view that renames a masked column. Masking's lineage caches (PostgreSQL's table-catalog.ts,
// MariaDB's view-names.ts) and every session's allow cache (which keeps a text's decision through views)
// must then forget what they knew. One counter per resource, shared by all its sessions: a statement that
// may change relations, through any session of any grant, moves it when it is allowed and again when the
// transaction it ran in ends (another connection sees a change only once it is committed). A cache that
// sees the counter move forgets everything; a lookup that straddles a move is not kept.
//
// Not seen: DDL that does not pass through the gateway (an administrator's own connection, another resource
// on the same database); those are seen when a cache entry expires (README "Masking").
import type { Action, ScopeEntry } from '../../core/index.ts'

/** A resource's count of statements that may have changed its relations. */
export class SchemaChanges {
  #generation = 0
  readonly #announce: (() => void) | undefined

  /** `announce`: tells the resource's other gateway processes (their caches are theirs). */
  constructor(announce?: () => void) {
    this.#announce = announce
  }

  get generation(): number {
    return this.#generation
  }

  /** Something may have changed what a name is or what a view carries: every cache forgets. */
  changed(): void {
    this.#generation++
    this.#announce?.()
  }

  /** Another gateway process announced a change. */
  heard(): void {
    this.#generation++
  }
}

const CHANGING_VERBS = new Set(['create', 'alter', 'drop'])

/** Whether `action` may create, replace, rename or drop a table or view: DDL, or SQL the gateway does not
 * see (a DO block, dynamic SQL, a call of a routine that is not the server's own: its body may run DDL).
 * `untracedCall` says which calls those are, as the protocol's view lineage does. */
export function mayChangeRelations(action: Action, untracedCall: (need: ScopeEntry) => boolean): boolean {
  const { traits } = action
  if (traits.includes('ddl') || traits.includes('dynamic-sql')) return true
  for (const need of action.needs)
    if (CHANGING_VERBS.has(need.verb) || (need.verb === 'execute' && untracedCall(need))) return true
  return false
}
