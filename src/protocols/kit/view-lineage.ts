// Masked columns a statement reaches through a view. A masking rule forbids filtering, sorting, joining or
// computing on the columns it masks (core's checks/masked-columns.ts), by name; a view renames them
// (`CREATE VIEW cv AS SELECT ssn AS s`), so `SELECT 1 FROM cv WHERE s LIKE '1%'` asked about `ssn` under
// the name `s` and answered one question at a time. Before a statement that computes on anything is
// decided, the columns each view it reads may carry are added to what it computes on (each protocol says
// what a view carries: PostgreSQL from pg_depend, MySQL unknown); a view whose sources are unknown, or a
// call of a function whose body may read any column (`SELECT 1 FROM app.f() WHERE x LIKE '9%'`), makes the
// statement count as computing on a masked column whenever a rule forbids it. Fails closed: over-denies a
// filter on a view's other columns, never under-denies.
import type { Action, ScopeEntry } from '../../core/index.ts'

/** The table columns (lower case) a relation's columns may carry: [] for a table or a relation not found,
 * 'unknown' for a view whose definition could not be traced (a function, too deep, the lookup failed). */
export type ViewSources = readonly string[] | 'unknown'

/** The relation names a statement's needs name, as a view lookup wants them: the name without its schema,
 * lower case (a view of that name in any schema counts: the client's search_path is not known here). A
 * quoted name with a dot gives each tail, so no view is missed. */
export function relationNames(action: Action): string[] {
  const names = new Set<string>()
  for (const need of action.needs) {
    const object = need.object.toLowerCase()
    names.add(object)
    for (let at = object.indexOf('.'); at !== -1; at = object.indexOf('.', at + 1))
      names.add(object.slice(at + 1))
  }
  return [...names]
}

/** Whether `action` computes on anything (only then can a view's renamed column be questioned). */
export function computesOnAnything(action: Action): boolean {
  const used = action.computesOn
  return used !== undefined && (used.columns.length > 0 || used.wholeRow)
}

/** What a protocol knows of what an action's relations and calls carry. */
export interface Lineage {
  /** What the relation (or view) of this name may carry; called for each of relationNames(action). */
  sources(relation: string): ViewSources
  /** Whether the call a need names may read any column (a function outside the server's own). */
  untracedCall(need: ScopeEntry): boolean
}

/** `action` with what the views it reads carry added to what it computes on, and marked when it reads a
 * view or calls a function that may carry anything; the same action when it computes on nothing or reads
 * no such thing. */
export function withViewLineage(action: Action, lineage: Lineage): Action {
  const used = action.computesOn
  if (used === undefined || !computesOnAnything(action)) return action
  const columns = new Set(used.columns)
  const viaViews = new Map(used.viaViews ?? [])
  let untracedSource = used.untracedSource
  for (const need of action.needs)
    if (untracedSource === undefined && lineage.untracedCall(need)) untracedSource = `function ${need.object}`
  for (const relation of relationNames(action)) {
    const sources = lineage.sources(relation)
    if (sources === 'unknown') {
      untracedSource ??= `view ${relation}`
      continue
    }
    for (const name of sources) {
      if (columns.has(name)) continue
      columns.add(name)
      viaViews.set(name, relation)
    }
  }
  if (columns.size === used.columns.length && untracedSource === used.untracedSource) return action
  return {
    ...action,
    computesOn: {
      columns: [...columns],
      wholeRow: used.wholeRow,
      ...(viaViews.size > 0 ? { viaViews } : {}),
      ...(untracedSource !== undefined ? { untracedSource } : {}),
    },
  }
}
