// What a statement reads, for masking to tell which columns a computed result value may carry
// (column-origins.ts). It comes from the session's own classification of the text, made once when the
// statement was decided: parsing the text again per result set made a Query of 4,000 statements parse its
// whole text 4,000 times, with the event loop blocked for minutes (issue #10).
import { type ClassifiedSql, type ColumnReferences, classifySqlWithEffects } from './classify.ts'

/** The relations a statement names (any verb but `execute`, which names functions) and the columns it
 * references. */
export interface StatementReads {
  readonly relations: readonly string[]
  readonly columns: ColumnReferences
}

/** What `classified` reads; undefined (origins unknown: every rule naming columns applies) when the text
 * could not be classified or returns rows its own text does not name the source of: a prepared statement
 * (`EXECUTE`), a cursor (`FETCH`), a function that is not the catalog's (its body may read any column). */
export function readsOf(classified: ClassifiedSql): StatementReads | undefined {
  const { action, columns } = classified
  if (action.unclassified !== undefined || columns === undefined || classified.dependsOnPrepared)
    return undefined
  if (action.kind === 'FetchStmt' || action.traits.includes('stmt:FetchStmt')) return undefined
  if (action.needs.some((n) => n.verb === 'execute' && !n.object.startsWith('pg_catalog.'))) return undefined
  // Derived once per classification shape: a session's allow cache hands the same ClassifiedSql to every
  // run of a text, and every text of one template (literals aside) shares its frozen needs and columns.
  const shared = Object.isFrozen(action.needs)
  const known = shared ? memo.get(action.needs) : undefined
  if (known?.columns === columns) return known.reads
  const names = action.needs
    .filter((n) => n.verb !== 'execute' && !n.object.includes('*'))
    .map((n) => n.object)
  const reads: StatementReads = { relations: [...new Set(names)], columns }
  if (shared) memo.set(action.needs, { columns, reads })
  return reads
}

const memo = new WeakMap<readonly object[], { columns: ColumnReferences; reads: StatementReads }>()

/** For a text no session decided (the masking probe of the control plane): one parse. */
export function readsOfText(sql: string): StatementReads | undefined {
  return readsOf(classifySqlWithEffects(sql))
}
