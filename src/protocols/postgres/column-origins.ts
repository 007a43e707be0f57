// Where a result column's values come from, so masking rules that name columns match what a value is, not
// what the query called it. RowDescription gives, for a column that is a plain reference to a table column
// (through aliases, subqueries and CTEs), the table's OID and the column's attribute number
// (protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ROWDESCRIPTION): that column is its origin. A
// computed value (table OID 0: an expression, a cast, an aggregate, a whole-row value, a set operation) may
// carry any column of the tables its statement reads, so, failing closed, every column of those tables
// whose value its type could hold is an origin: a rule masking one of them masks the computed value too.
// Where the catalog could not answer, the origin is unknown and every rule naming columns applies.
import type { MaskingContext } from '../../core/index.ts'
import { classifySql } from './classify.ts'
import { typeHintOf } from './column-types.ts'
import type { DescribedColumn } from './mask-rows.ts'
import type { RelationColumn, TableCatalog } from './table-catalog.ts'
import type { RowField } from './wire/row-messages.ts'

const READS_CACHE_ENTRIES = 1024
/** Statement text -> the relations it names (any verb but `execute`, which names functions); undefined
 * when the statement could not be classified. */
const readsCache = new Map<string, readonly string[] | undefined>()

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
  prepare(fields: readonly RowField[], statement: string): Promise<void> | undefined {
    const catalog = this.#catalog
    const work: Promise<void>[] = []
    const oids = fields.map((f) => f.tableOid)
    if (!catalog.hasAll(oids)) work.push(catalog.resolve(oids))
    if (fields.some((f) => f.tableOid === 0)) {
      const relations = readsOf(statement) ?? []
      if (!catalog.hasRelations(relations)) work.push(catalog.resolveRelations(relations))
    }
    return work.length === 0 ? undefined : Promise.all(work).then(() => {})
  }

  /** The columns with their tables and origins, from what the catalog has cached. */
  describe(fields: readonly RowField[], statement: string): DescribedColumn[] {
    let read: RelationColumn[] | undefined | null = null
    return fields.map((f) => {
      const column: DescribedColumn = { name: f.name, typeOid: f.typeOid, format: f.format }
      if (f.tableOid !== 0) {
        const table = this.#catalog.cachedName(f.tableOid)
        if (table !== undefined) column.table = table
        const source = this.#catalog.cachedColumn(f.tableOid, f.columnAttr)
        // Negative numbers are system columns (ctid, xmin): no rule names them.
        if (source === undefined) column.originUnknown = f.columnAttr > 0
        else if (source !== f.name)
          column.origins = [{ name: source, ...(table === undefined ? {} : { table }) }]
        return column
      }
      if (read === null) read = this.#readColumns(statement)
      if (read === undefined) {
        if (typeHintOf(f.typeOid) !== 'number') column.originUnknown = true
        return column
      }
      const carried = read.filter((c) => mayCarry(f.typeOid, c.typeOid))
      if (carried.length > 0) column.origins = carried.map((c) => ({ name: c.name, table: c.table }))
      return column
    })
  }

  /** The columns of the tables the statement names; undefined when some of them could not be learnt. */
  #readColumns(statement: string): RelationColumn[] | undefined {
    const columns: RelationColumn[] = []
    const relations = readsOf(statement)
    if (relations === undefined) return undefined
    for (const relation of relations) {
      const some = this.#catalog.cachedRelationColumns(relation)
      if (some === undefined) return undefined
      columns.push(...some)
    }
    return columns
  }
}

/**
 * Whether a computed value of type `typeOid` can hold a value of a column of type `sourceOid`: text, JSON,
 * arrays, records, bytea and any type masking does not know can hold anything; a number, date or boolean
 * only what is already of its type (so `count(*)` stays readable unless a masked column is a bigint).
 */
function mayCarry(typeOid: number, sourceOid: number): boolean {
  return typeOid === sourceOid || typeHintOf(typeOid) !== 'number'
}

function readsOf(statement: string): readonly string[] | undefined {
  if (readsCache.has(statement)) return readsCache.get(statement)
  const { needs, unclassified } = classifySql(statement)
  const names = needs.filter((n) => n.verb !== 'execute' && !n.object.includes('*')).map((n) => n.object)
  const reads = unclassified === undefined ? [...new Set(names)] : undefined
  if (readsCache.size >= READS_CACHE_ENTRIES) readsCache.delete(readsCache.keys().next().value!)
  readsCache.set(statement, reads)
  return reads
}
