// Where a result column's values come from, so masking rules that name columns match what a value is, not
// what the query called it. RowDescription gives, for a column that is a plain reference to a table column
// (through aliases, subqueries and CTEs), the table's OID and the column's attribute number
// (protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ROWDESCRIPTION): that column is its origin. A
// computed value (table OID 0: an expression, a cast, an aggregate, a whole-row value, a set operation) may
// carry any column its statement references, whatever its type (`ascii(substr(code, k, 1))` spells a text
// out in numbers), so, failing closed, every column of the tables the statement reads that it references
// by name (or as a whole row: `*`, `t.*`, `t`) is an origin, and so is every other column of those tables
// whose value the computed type could hold: a rule masking one of them masks the computed value too.
// Where the statement or the catalog could not be read, the origin is unknown and every rule naming
// columns applies. What a statement reads comes from the classification of the text as sent (what upstream
// runs), never of the recorded text: masking a literal can turn code into a comment (`2/4111…` becomes
// `2/****`); see statement-reads.ts.
import type { MaskingContext } from '../../core/index.ts'
import { typeHintOf } from './column-types.ts'
import type { DescribedColumn } from './mask-rows.ts'
import type { StatementReads } from './statement-reads.ts'
import type { RelationColumn, TableCatalog } from './table-catalog.ts'
import type { RowField } from './wire/row-messages.ts'

export class ColumnOrigins {
  readonly #catalog: TableCatalog

  constructor(catalog: TableCatalog) {
    this.#catalog = catalog
  }

  /** Under rules that name columns, the origins to learn first; without, there is nothing to learn. */
  static for(
    masking: MaskingContext | undefined,
    catalog: TableCatalog | undefined,
  ): ColumnOrigins | undefined {
    return masking?.namesColumns && catalog !== undefined ? new ColumnOrigins(catalog) : undefined
  }

  /** The lookups `describe` needs, or undefined when it can answer from the catalog's cache. */
  prepare(fields: readonly RowField[], reads: StatementReads | undefined): Promise<void> | undefined {
    const catalog = this.#catalog
    const work: Promise<void>[] = []
    const oids = fields.map((f) => f.tableOid)
    if (!catalog.hasAll(oids)) work.push(catalog.resolve(oids))
    if (fields.some((f) => f.tableOid === 0)) {
      const relations = reads?.relations ?? []
      if (!catalog.hasRelations(relations)) work.push(catalog.resolveRelations(relations))
    }
    return work.length === 0 ? undefined : Promise.all(work).then(() => {})
  }

  /** The columns with their tables and origins, from what the catalog has cached. */
  describe(fields: readonly RowField[], reads: StatementReads | undefined): DescribedColumn[] {
    let read: ReadColumn[] | undefined | null = null
    return fields.map((f) => {
      const column: DescribedColumn = { name: f.name, typeOid: f.typeOid, format: f.format }
      if (f.tableOid !== 0) {
        const table = this.#catalog.cachedName(f.tableOid)
        if (table !== undefined) column.table = table
        const source = this.#catalog.cachedColumn(f.tableOid, f.columnAttr)
        // Negative numbers are system columns (ctid, xmin): no rule names them. Zero is the whole row
        // (`SELECT c FROM customers c`): it carries every column, masked ones too.
        if (source === undefined) column.originUnknown = f.columnAttr >= 0
        else if (source !== f.name)
          column.origins = [{ name: source, ...(table === undefined ? {} : { table }) }]
        // A view's column may carry any column its definition references (`CREATE VIEW v AS SELECT ssn AS
        // s`): those are origins too; a view calling a function may carry any column.
        const view = this.#catalog.cachedViewSources(f.tableOid)
        if (view === 'unknown') column.originUnknown = true
        else if (view !== undefined && view.length > 0)
          column.origins = [
            ...(column.origins ?? [{ name: source ?? f.name, ...(table === undefined ? {} : { table }) }]),
            ...view,
          ]
        return column
      }
      if (read === null) read = this.#readColumns(reads)
      if (read === undefined) {
        column.originUnknown = true
        return column
      }
      const carried = read.filter((c) => c.referenced || mayCarry(f.typeOid, c.typeOid))
      if (carried.length > 0) column.origins = carried.map((c) => ({ name: c.name, table: c.table }))
      return column
    })
  }

  /** The columns of the tables the statement names, each with whether the statement references it;
   * undefined when some of them could not be learnt. */
  #readColumns(reads: StatementReads | undefined): ReadColumn[] | undefined {
    if (reads === undefined) return undefined
    const columns: ReadColumn[] = []
    const { names, wholeRow } = reads.columns
    for (const relation of reads.relations) {
      const some = this.#catalog.cachedRelationColumns(relation)
      if (some === undefined) return undefined
      for (const c of some)
        columns.push({ ...c, referenced: wholeRow || names.includes(c.name.toLowerCase()) })
    }
    return columns
  }
}

interface ReadColumn extends RelationColumn {
  referenced: boolean
}

/**
 * Whether a statement that failed references a column a rule in force masks (or a whole row of a table that
 * has one), so values quoted in its error may be that column's (`quote_ident(code)::regclass` answers
 * `relation "…" does not exist`). A referenced name matches rules whatever its table; a whole row needs the
 * tables' columns, which `prepareReferences` learns. Fails closed: true when the statement cannot be read.
 */
export function referencesMaskedColumn(
  reads: StatementReads | undefined,
  masking: MaskingContext,
  catalog: TableCatalog | undefined,
): boolean {
  if (!masking.namesColumns) return false
  if (reads === undefined) return true
  const { names, wholeRow } = reads.columns
  if (names.some((name) => masking.masksColumn({ name }))) return true
  if (!wholeRow) return false
  for (const relation of reads.relations) {
    const columns = catalog?.cachedRelationColumns(relation)
    if (columns === undefined) return true
    if (columns.some((c) => masking.masksColumn(c))) return true
  }
  return false
}

/** The lookups `referencesMaskedColumn` needs for `reads`, or undefined when it can answer now. */
export function prepareReferences(
  reads: StatementReads | undefined,
  catalog: TableCatalog,
): Promise<void> | undefined {
  if (reads === undefined || !reads.columns.wholeRow || catalog.hasRelations(reads.relations))
    return undefined
  return catalog.resolveRelations(reads.relations)
}

/**
 * Whether a computed value of type `typeOid` can hold a value of a column of type `sourceOid`: text, JSON,
 * arrays, records, bytea and any type masking does not know can hold anything; a number, date or boolean
 * only what is already of its type (so `count(*)` stays readable unless a masked column is a bigint).
 */
function mayCarry(typeOid: number, sourceOid: number): boolean {
  return typeOid === sourceOid || typeHintOf(typeOid) !== 'number'
}
