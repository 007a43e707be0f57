// What masking needs to know about a resource's tables that the result messages do not say: the name of a
// table OID and of a column's attribute number (RowDescription carries only the numbers), the columns of a
// table a statement reads (for what a computed value may carry), and the columns of a COPY TO
// (CopyOutResponse carries only their count). Asked on a separate, short-lived connection to the target under the gateway's own
// login, never on a client's upstream connection (injecting queries there would interleave with the
// client's own pipeline and transaction). Answers are cached; queries run only when a rule in force names
// tables or a COPY runs under masking.
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import type { PostgresResourceConfig } from '../../config/schema.ts'
import type { SchemaChanges } from '../kit/schema-changes.ts'
import type { ViewSources } from '../kit/view-lineage.ts'
import type { DescribedColumn } from './mask-rows.ts'
import type { RowField } from './wire/row-messages.ts'

const CACHE_ENTRIES = 4096
/** What no statement through the gateway changed (kit/schema-changes.ts) is trusted this long: DDL on
 * another connection to the database (an administrator's) is seen once an entry expires. */
const CACHE_TTL_MS = 60_000
const IDLE_CLOSE_MS = 30_000
const TIMEOUT_MS = 5_000

export interface CatalogLogin {
  user: string
  password?: string
}

/** A column of a table, as `relationColumns` gives it. */
export interface RelationColumn {
  name: string
  /** `schema.table` */
  table: string
  typeOid: number
}

interface TableEntry {
  name: string | undefined
  /** attnum -> column name */
  columns: ReadonlyMap<number, string>
  /** A view's (or materialized view's) columns may carry any table column its definition references
   * (RowDescription names the view's column, `s`, not the `ssn` it renames): those columns, through nested
   * views; 'unknown' when the definition calls a function outside pg_catalog (it may read any column). */
  viewSources?: ReadonlyArray<{ name: string; table: string }> | 'unknown'
  at: number
}

/** Relation `c` is a view (or materialized view) that may carry table columns. The server's own catalog
 * views (pg_catalog, information_schema) carry catalog data, never a table's values, and call its helper
 * functions: counted as views, every metadata query under masking had its names masked and its filters
 * refused. The one catalog view that shows values, pg_stats (and its extended kin), is refused under masking
 * (kit/column-statistics.ts). */
const USER_VIEW = `(c.relkind in ('v', 'm')
    and c.relnamespace not in ('pg_catalog'::regnamespace, 'information_schema'::regnamespace))`

/** Nested views followed this deep; deeper counts as unknown. */
const VIEW_DEPTH = 16

/**
 * For the view `c` of the enclosing query: the table columns its definition references (pg_depend records a
 * view's rewrite rule's dependency on each column it uses; a whole-row use depends on the table, attnum 0:
 * every column), followed through nested views; `opaque` when it calls a function outside pg_catalog (a
 * function may read any column) or reads one of the server's own catalogs (pg_stats holds values of any
 * column), `deep` past VIEW_DEPTH.
 */
const VIEW_SOURCES = `
  with recursive refs(rel, att, depth) as (
      select d.refobjid, d.refobjsubid, 1
        from pg_catalog.pg_rewrite r
        join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid
             and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid <> c.oid
       where r.ev_class = c.oid
    union
      select d.refobjid, d.refobjsubid, refs.depth + 1
        from refs
        join pg_catalog.pg_class rc on rc.oid = refs.rel and rc.relkind in ('v', 'm')
        join pg_catalog.pg_rewrite r on r.ev_class = refs.rel
        join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = r.oid
             and d.refclassid = 'pg_catalog.pg_class'::regclass and d.refobjid <> refs.rel
       where refs.depth <= ${VIEW_DEPTH}
  )
  select (select json_agg(distinct jsonb_build_object('n', a.attname, 't', rn.nspname || '.' || rel.relname))
            from refs
            join pg_catalog.pg_class rel on rel.oid = refs.rel
            join pg_catalog.pg_namespace rn on rn.oid = rel.relnamespace
            join pg_catalog.pg_attribute a on a.attrelid = refs.rel and a.attnum > 0 and not a.attisdropped
                 and (refs.att = 0 or a.attnum = refs.att)) as sources,
         exists (select 1
                   from pg_catalog.pg_rewrite r
                   join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass
                        and d.objid = r.oid and d.refclassid = 'pg_catalog.pg_proc'::regclass
                   join pg_catalog.pg_proc p on p.oid = d.refobjid
                  where (r.ev_class = c.oid or r.ev_class in (select refs.rel from refs))
                    and p.pronamespace <> 'pg_catalog'::regnamespace)
         -- A view over the server's own catalogs (pg_stats: sampled values of every column; pg_stat_activity:
         -- other sessions' statements) records no dependency on them (they are pinned), so its range table
         -- is read: a relation below FirstNormalObjectId (16384) makes what it carries unknown.
         or exists (select 1
                      from pg_catalog.pg_rewrite r
                     cross join lateral pg_catalog.regexp_matches(r.ev_action::text, ':relid ([0-9]+)', 'g') m
                     where (r.ev_class = c.oid or r.ev_class in (select refs.rel from refs))
                       and m[1]::oid < 16384) as opaque,
         exists (select 1 from refs where refs.depth > ${VIEW_DEPTH}) as deep`

export class TableCatalog {
  readonly #target: PostgresResourceConfig['target']
  readonly #login: () => CatalogLogin
  readonly #names = new Map<number, TableEntry>()
  readonly #inflight = new Map<number, Promise<void>>()
  /** Columns by relation name as a statement's Scope names it (`public.customers`); undefined: lookup failed. */
  readonly #relations = new Map<string, { columns: RelationColumn[] | undefined; at: number }>()
  /** What the views of a name (any schema, lower case) carry, for decisions (view-lineage.ts). */
  readonly #viewNames = new Map<string, { sources: ViewSources; at: number }>()
  /** The resource's schema changes; the caches hold what was read at generation #seen. */
  readonly #changes: SchemaChanges
  #seen: number
  #client: Promise<pg.Client> | undefined
  #idle: NodeJS.Timeout | undefined
  #busy = 0

  constructor(target: PostgresResourceConfig['target'], login: () => CatalogLogin, changes: SchemaChanges) {
    this.#target = target
    this.#login = login
    this.#changes = changes
    this.#seen = changes.generation
  }

  /** The cached `schema.table` of an OID; undefined when unknown, not cached, or the lookup failed. */
  cachedName(oid: number): string | undefined {
    return this.#fresh(oid)?.name
  }

  /** The cached name of column `attnum` of table `oid`; undefined when unknown or not cached. */
  cachedColumn(oid: number, attnum: number): string | undefined {
    return this.#fresh(oid)?.columns.get(attnum)
  }

  /** For a view's OID, the table columns its columns may carry (see TableEntry); undefined for a table. */
  cachedViewSources(oid: number): TableEntry['viewSources'] {
    return this.#fresh(oid)?.viewSources
  }

  /** The cached columns of a relation named as a Scope object; undefined when unknown or not cached. */
  cachedRelationColumns(relation: string): RelationColumn[] | undefined {
    this.#sync()
    const entry = this.#relations.get(relation)
    return entry !== undefined && Date.now() - entry.at < CACHE_TTL_MS ? entry.columns : undefined
  }

  /** Whether every relation has a fresh cache entry (a failed lookup counts, as for OIDs). */
  hasRelations(relations: Iterable<string>): boolean {
    this.#sync()
    for (const relation of relations) {
      const entry = this.#relations.get(relation)
      if (entry === undefined || Date.now() - entry.at >= CACHE_TTL_MS) return false
    }
    return true
  }

  /** Looks the relations' columns up and caches them; a relation that does not exist has none. */
  async resolveRelations(relations: readonly string[]): Promise<void> {
    const at = Date.now()
    const generation = this.#changes.generation
    const wanted = relations.filter((r) => !this.hasRelations([r]))
    if (wanted.length === 0) return
    const rows = await this.#run(async (client) => {
      const result = await client.query<{ rel: string; name: string; type: string; tbl: string }>(
        `select r.rel, a.attname as name, a.atttypid::int8 as type, n.nspname || '.' || c.relname as tbl
           from unnest($1::text[]) as r(rel)
           join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(r.rel)
           join pg_catalog.pg_namespace n on n.oid = c.relnamespace
           join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped`,
        [wanted],
      )
      return result.rows
    }).catch(() => undefined)
    // Read before a statement changed the schema: not kept (the caller finds it unknown, fails closed).
    if (!this.#current(generation)) return
    for (const relation of wanted) {
      if (this.#relations.size >= CACHE_ENTRIES) this.#relations.delete(this.#relations.keys().next().value!)
      const found = rows
        ?.filter((r) => r.rel === relation)
        .map((r) => ({ name: r.name, table: r.tbl, typeOid: Number(r.type) }))
      // Not found from this connection (a temporary table, another search_path): unknown, not empty, so
      // masking fails closed for what the statement computes from it.
      const columns = found !== undefined && found.length > 0 ? found : undefined
      this.#relations.delete(relation)
      this.#relations.set(relation, { columns, at })
    }
  }

  /** The table columns the views named `name` (lower case, no schema; any schema) may carry: [] when no
   * view has that name, undefined when not cached (resolveViewNames first). */
  cachedSourcesOfViewsNamed(name: string): ViewSources | undefined {
    this.#sync()
    const entry = this.#viewNames.get(name)
    return entry !== undefined && Date.now() - entry.at < CACHE_TTL_MS ? entry.sources : undefined
  }

  /** Looks up which of `names` are views (or materialized views) in any schema and what they carry; a
   * failed lookup caches them as 'unknown' (a statement computing on anything under masking is then
   * refused, not forwarded), for as long as any cache entry. */
  async resolveViewNames(names: readonly string[]): Promise<void> {
    const at = Date.now()
    const generation = this.#changes.generation
    const wanted = names.filter((name) => this.cachedSourcesOfViewsNamed(name) === undefined)
    if (wanted.length === 0) return
    const rows = await this.#run(async (client) => {
      const result = await client.query<{
        name: string
        untraced: boolean
        sources: Array<Array<{ n: string }> | null>
      }>(
        `select lower(c.relname) as name, coalesce(bool_or(v.opaque or v.deep), false) as untraced,
                json_agg(v.sources) as sources
           from unnest($1::text[]) as r(name)
           join pg_catalog.pg_class c on lower(c.relname) = r.name and ${USER_VIEW}
           left join lateral (${VIEW_SOURCES}) v on true
          group by lower(c.relname)`,
        [wanted],
      )
      return result.rows
    }).catch(() => undefined)
    if (!this.#current(generation)) return
    for (const name of wanted) {
      const row = rows?.find((r) => r.name === name)
      const sources: ViewSources =
        rows === undefined || row?.untraced
          ? 'unknown'
          : [...new Set((row?.sources ?? []).flatMap((list) => (list ?? []).map((c) => c.n.toLowerCase())))]
      if (this.#viewNames.size >= CACHE_ENTRIES) this.#viewNames.delete(this.#viewNames.keys().next().value!)
      this.#viewNames.delete(name)
      this.#viewNames.set(name, { sources, at })
    }
  }

  /** Whether every OID has a fresh cache entry (a failed lookup counts: it is not retried at once). */
  hasAll(oids: Iterable<number>): boolean {
    for (const oid of oids) if (oid !== 0 && this.#fresh(oid) === undefined) return false
    return true
  }

  /** Looks the OIDs up and caches them; a failure caches them as unknown (masking then fails closed). */
  async resolve(oids: readonly number[]): Promise<void> {
    const waits: Promise<void>[] = []
    const wanted: number[] = []
    for (const oid of new Set(oids)) {
      if (oid === 0 || this.#fresh(oid) !== undefined) continue
      const inflight = this.#inflight.get(oid)
      if (inflight) waits.push(inflight)
      else wanted.push(oid)
    }
    if (wanted.length > 0) {
      const lookup = this.#lookup(wanted)
      for (const oid of wanted) this.#inflight.set(oid, lookup)
      waits.push(lookup)
    }
    await Promise.all(waits)
  }

  async #lookup(oids: number[]): Promise<void> {
    const at = Date.now()
    const generation = this.#changes.generation
    const rows = await this.#run(async (client) => {
      const result = await client.query<{
        oid: string
        name: string
        columns: Record<string, string>
        view: boolean
        sources: Array<{ n: string; t: string }> | null
        opaque: boolean
        deep: boolean
      }>(
        `select c.oid::int8 as oid, n.nspname || '.' || c.relname as name,
                (select coalesce(json_object_agg(a.attnum, a.attname), '{}')
                   from pg_catalog.pg_attribute a
                  where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
                ${USER_VIEW} as view, v.sources, coalesce(v.opaque, false) as opaque,
                coalesce(v.deep, false) as deep
           from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
           left join lateral (${VIEW_SOURCES}) v on ${USER_VIEW}
          where c.oid = any($1::oid[])`,
        [oids],
      )
      return result.rows
    }).catch(() => [])
    const current = this.#current(generation)
    for (const oid of oids) {
      this.#inflight.delete(oid)
      if (!current) continue
      const row = rows.find((r) => Number(r.oid) === oid)
      const columns = new Map(Object.entries(row?.columns ?? {}).map(([n, name]) => [Number(n), name]))
      const entry: TableEntry = { name: row?.name, columns, at }
      if (row?.view)
        entry.viewSources =
          row.opaque || row.deep ? 'unknown' : (row.sources ?? []).map((c) => ({ name: c.n, table: c.t }))
      this.#remember(oid, entry)
    }
  }

  /** The columns `COPY table [(columns)] TO` writes: the table's, without dropped and generated ones. */
  async tableColumns(relation: string, only: readonly string[] | undefined): Promise<DescribedColumn[]> {
    const rows = await this.#run(async (client) => {
      const result = await client.query<{ name: string; type: number; tbl: string }>(
        `select a.attname as name, a.atttypid::int8 as type, n.nspname || '.' || c.relname as tbl
           from pg_catalog.pg_attribute a
           join pg_catalog.pg_class c on c.oid = a.attrelid
           join pg_catalog.pg_namespace n on n.oid = c.relnamespace
          where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
          order by a.attnum`,
        [relation],
      )
      return result.rows
    })
    const all = rows.map((r) => ({ name: r.name, table: r.tbl, typeOid: Number(r.type), format: 0 }))
    if (only === undefined) return all
    return only.map((name) => {
      const column = all.find((c) => c.name === name)
      if (column === undefined) throw new Error(`column ${name} not found`)
      return column
    })
  }

  /** The result columns of a query, from Parse + Describe: the query is analysed, never executed. */
  async describe(sql: string): Promise<RowField[]> {
    const fields = await this.#run((client) => client.query(new DescribeStatement(sql)).promise)
    return fields.map((f) => ({
      name: f.name,
      tableOid: f.tableID,
      columnAttr: f.columnID,
      typeOid: f.dataTypeID,
      format: 0,
    }))
  }

  /** Rows of a catalog query on the gateway's own connection (function-names.ts). */
  async query<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    return this.#run(async (client) => (await client.query<T>(text, values)).rows)
  }

  async close(): Promise<void> {
    clearTimeout(this.#idle)
    const client = this.#client
    this.#client = undefined
    if (client) await client.then((c) => c.end()).catch(() => {})
  }

  #fresh(oid: number): TableEntry | undefined {
    this.#sync()
    const entry = this.#names.get(oid)
    return entry !== undefined && Date.now() - entry.at < CACHE_TTL_MS ? entry : undefined
  }

  /** Forgets every cached answer when a statement may have changed the schema since they were read. */
  #sync(): void {
    if (this.#seen === this.#changes.generation) return
    this.#seen = this.#changes.generation
    this.#names.clear()
    this.#relations.clear()
    this.#viewNames.clear()
  }

  /** Whether nothing changed the schema since `generation` (a lookup's answer may then be kept). */
  #current(generation: number): boolean {
    this.#sync()
    return generation === this.#changes.generation
  }

  #remember(oid: number, entry: TableEntry): void {
    if (this.#names.size >= CACHE_ENTRIES) this.#names.delete(this.#names.keys().next().value!)
    this.#names.delete(oid)
    this.#names.set(oid, entry)
  }

  async #run<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    clearTimeout(this.#idle)
    this.#busy++
    try {
      return await work(await this.#connect())
    } catch (error) {
      // A broken connection is replaced on the next call.
      void this.close()
      throw error
    } finally {
      if (--this.#busy === 0) {
        this.#idle = setTimeout(() => void this.close(), IDLE_CLOSE_MS)
        this.#idle.unref()
      }
    }
  }

  #connect(): Promise<pg.Client> {
    this.#client ??= (async () => {
      const t = this.#target
      const login = this.#login()
      const client = new pg.Client({
        host: t.host,
        port: t.port,
        database: t.database,
        user: login.user,
        ...(login.password === undefined ? {} : { password: login.password }),
        ssl: sslFor(t),
        application_name: 'taskgate-catalog',
        connectionTimeoutMillis: TIMEOUT_MS,
        statement_timeout: TIMEOUT_MS,
      })
      client.on('error', () => {
        this.#client = undefined
      })
      await client.connect()
      return client
    })()
    return this.#client
  }
}

export function sslFor(t: PostgresResourceConfig['target']): pg.ClientConfig['ssl'] {
  if (t.tls === 'require') return { rejectUnauthorized: false }
  if (t.tls === 'verify-full')
    return { rejectUnauthorized: true, ...(t.caFile ? { ca: readFileSync(t.caFile, 'utf8') } : {}) }
  return false
}

interface DescribedField {
  name: string
  tableID: number
  columnID: number
  dataTypeID: number
}

/** A pg "submittable": Parse + Describe of the unnamed statement + Sync, answered by its RowDescription
 * (or NoData: no columns). Nothing is bound or executed. */
class DescribeStatement extends EventEmitter implements pg.Submittable {
  readonly promise: Promise<DescribedField[]>
  readonly #text: string
  #fields: DescribedField[] = []
  #error: Error | undefined
  #settle!: (error: Error | undefined) => void

  constructor(text: string) {
    super()
    this.#text = text
    this.promise = new Promise((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve(this.#fields))
    })
  }

  submit(connection: pg.Connection): void {
    connection.parse({ name: '', text: this.#text, types: [] }, true)
    connection.describe({ type: 'S', name: '' }, true)
    connection.sync()
  }

  handleRowDescription(message: { fields: DescribedField[] }): void {
    this.#fields = message.fields
  }

  handleError(error: Error): void {
    // pg clears its active query on an error and will not call handleReadyForQuery.
    this.#error = error
    this.#settle(error)
  }

  handleReadyForQuery(): void {
    this.#settle(this.#error)
  }

  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
}
