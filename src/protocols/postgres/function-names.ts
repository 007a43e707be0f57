// A FunctionCall message names its function by OID (protocol-message-formats.html, FunctionCall): to decide
// it like the `SELECT schema.fn($1, ...)` it amounts to, the gateway asks the target's catalog for the name,
// on the catalog's own connection (table-catalog.ts), with the OID as a bound parameter. Answers, a function
// that does not exist included, are cached for a while and the cache is bounded: libpq's large-object calls
// (lo_open, loread, lowrite, ...) ask for the same few OIDs over and over.
import type { TableCatalog } from './table-catalog.ts'

export interface FunctionName {
  schema: string
  name: string
}

const CACHE_ENTRIES = 1024
/** A function renamed or moved to another schema is seen under its new name after at most this long. */
const CACHE_TTL_MS = 60_000

export class FunctionNames {
  readonly #catalog: TableCatalog
  readonly #cache = new Map<number, { name: FunctionName | null; at: number }>()
  readonly #inflight = new Map<number, Promise<FunctionName | null>>()

  constructor(catalog: TableCatalog) {
    this.#catalog = catalog
  }

  /** The cached name of a function OID, null for none of that OID, undefined when not cached. */
  cached(oid: number): FunctionName | null | undefined {
    const entry = this.#cache.get(oid)
    return entry !== undefined && Date.now() - entry.at < CACHE_TTL_MS ? entry.name : undefined
  }

  /** The function's schema and name, or null when the target has no function of that OID. Rejects when the
   * catalog cannot be asked (the call is then denied). */
  lookUp(oid: number): Promise<FunctionName | null> {
    const cached = this.cached(oid)
    if (cached !== undefined) return Promise.resolve(cached)
    let pending = this.#inflight.get(oid)
    if (pending === undefined) {
      pending = this.#ask(oid).finally(() => this.#inflight.delete(oid))
      this.#inflight.set(oid, pending)
    }
    return pending
  }

  async #ask(oid: number): Promise<FunctionName | null> {
    const rows = await this.#catalog.query<FunctionName>(
      `select n.nspname as schema, p.proname as name
         from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        where p.oid = $1::int8::oid`,
      [oid],
    )
    const name = rows[0] ? { schema: rows[0].schema, name: rows[0].name } : null
    if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(oid, { name, at: Date.now() })
    return name
  }
}

/** The SQL a FunctionCall amounts to, decided and recorded in its place: `SELECT "schema"."fn"($1, $2)`. */
export function functionCallSql(fn: FunctionName, argumentCount: number): string {
  const args = Array.from({ length: argumentCount }, (_, i) => `$${i + 1}`).join(', ')
  return `SELECT ${quoteIdentifier(fn.schema)}.${quoteIdentifier(fn.name)}(${args})`
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
