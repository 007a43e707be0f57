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
 * could not be classified or runs a prepared statement, whose columns its own text does not name. */
export function readsOf(classified: ClassifiedSql): StatementReads | undefined {
  // A session's allow cache hands the same ClassifiedSql to every run of a text: derive its reads once.
  if (memo.has(classified)) return memo.get(classified)
  const { action, columns } = classified
  const names = action.needs
    .filter((n) => n.verb !== 'execute' && !n.object.includes('*'))
    .map((n) => n.object)
  const reads =
    action.unclassified !== undefined || columns === undefined || classified.dependsOnPrepared
      ? undefined
      : { relations: [...new Set(names)], columns }
  memo.set(classified, reads)
  return reads
}

const memo = new WeakMap<ClassifiedSql, StatementReads | undefined>()

/** For a text no session decided (the masking probe of the control plane): one parse. */
export function readsOfText(sql: string): StatementReads | undefined {
  return readsOf(classifySqlWithEffects(sql))
}
