// Which names a MariaDB session reads are views, for masking (MariaDB names a view's columns by the view,
// never by the column it renames, so a statement reading one has every column masked and may not compute
// on any: kit/view-lineage.ts). The views the account could see at login (back.ts readViews) are views;
// any other name is looked up in information_schema.VIEWS before the statement naming it is decided, on a
// connection of the session's own (its account sees what the session sees), and kept CACHE_TTL_MS. A name
// not known, because its lookup failed or was overtaken by a change, counts as a view (fail closed).
// A statement that may change relations through any session of the resource (kit/schema-changes.ts)
// empties the cache, so `CREATE VIEW v AS SELECT email AS e …` by another grant is seen at the next
// statement, not after a reconnect.
import type { SchemaChanges } from '../kit/schema-changes.ts'
import { AdminConnection, MysqlServerError } from './admin-connection.ts'
import type { MysqlTarget, UpstreamLogin } from './back.ts'

const CACHE_ENTRIES = 4096
/** A view created outside the gateway (an administrator's own connection) is seen within this long. */
const CACHE_TTL_MS = 60_000
const TIMEOUT_MS = 5_000
/** Names asked in one lookup; a statement naming more is looked up in turns. */
const NAMES_PER_LOOKUP = 256

export class ViewNames {
  readonly #login: ReadonlySet<string> | 'all'
  /** The login's views without their database (`db.v` -> `v`), made at the first unqualified name. */
  #loginTails: Set<string> | undefined
  readonly #changes: SchemaChanges
  #seen: number
  readonly #cache = new Map<string, { view: boolean; at: number }>()
  readonly #connect: () => Promise<AdminConnection>
  #connection: Promise<AdminConnection> | undefined

  /** `login`: the session's own (its account sees the views the session may read). */
  constructor(
    atLogin: ReadonlySet<string> | 'all',
    changes: SchemaChanges,
    connect: { target: MysqlTarget; login: UpstreamLogin } | (() => Promise<AdminConnection>),
  ) {
    this.#login = atLogin
    this.#changes = changes
    this.#seen = changes.generation
    this.#connect =
      typeof connect === 'function' ? connect : () => AdminConnection.open(connect.target, connect.login)
  }

  /** The resource's schema-change generation (an allow cache decided through views holds for one). */
  get generation(): number {
    return this.#changes.generation
  }

  /** Whether `name` (lower case: `db.v`, or `v` for a view of that name in any database) is, or may be, a
   * view: a view at login, one looked up, or a name not (or no longer) known. */
  isView(name: string): boolean {
    if (this.#login === 'all' || this.#atLogin(name)) return true
    return this.#cached(name) ?? true
  }

  /** Of `names`, those isView cannot answer from what it knows. */
  unknown(names: Iterable<string>): string[] {
    const wanted: string[] = []
    if (this.#login === 'all') return wanted
    for (const name of names) if (!this.#atLogin(name) && this.#cached(name) === undefined) wanted.push(name)
    return wanted
  }

  /** Looks `names` up in information_schema.VIEWS and keeps the answers. Never throws: a failed lookup
   * keeps nothing (those names count as views). */
  async resolve(names: readonly string[]): Promise<void> {
    const generation = this.#changes.generation
    const at = Date.now()
    for (let from = 0; from < names.length; from += NAMES_PER_LOOKUP) {
      const batch = names.slice(from, from + NAMES_PER_LOOKUP)
      const found = await this.#lookup(batch)
      // Read before a change, or not at all: nothing kept.
      if (found === undefined || generation !== this.#changes.generation) return
      this.#sync()
      for (const name of batch) {
        const view = name.includes('.') ? found.full.has(name) : found.tails.has(name) || found.full.has(name)
        if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!)
        this.#cache.set(name, { view, at })
      }
    }
  }

  close(): void {
    const connection = this.#connection
    this.#connection = undefined
    connection?.then((db) => db.destroy()).catch(() => {})
  }

  #atLogin(name: string): boolean {
    const views = this.#login as ReadonlySet<string>
    if (views.has(name)) return true
    if (name.includes('.')) return false
    if (this.#loginTails === undefined) {
      const tails = new Set<string>()
      for (const view of views) tails.add(view.slice(view.indexOf('.') + 1))
      this.#loginTails = tails
    }
    return this.#loginTails.has(name)
  }

  #cached(name: string): boolean | undefined {
    this.#sync()
    const entry = this.#cache.get(name)
    return entry !== undefined && Date.now() - entry.at < CACHE_TTL_MS ? entry.view : undefined
  }

  #sync(): void {
    if (this.#seen === this.#changes.generation) return
    this.#seen = this.#changes.generation
    this.#cache.clear()
  }

  /** The views (`db.v`, lower case) whose name is one of `names`' tails, and those tails; undefined when
   * the lookup failed. Names go as hex literals: nothing a client named is spliced into SQL as text. */
  async #lookup(names: readonly string[]): Promise<{ full: Set<string>; tails: Set<string> } | undefined> {
    const tails = new Set<string>()
    for (const name of names) {
      tails.add(name)
      for (let at = name.indexOf('.'); at !== -1; at = name.indexOf('.', at + 1))
        tails.add(name.slice(at + 1))
    }
    const list = [...tails].map((t) => `CONVERT(0x${Buffer.from(t, 'utf8').toString('hex')} USING utf8mb4)`)
    let timer: NodeJS.Timeout | undefined
    try {
      this.#connection ??= this.#connect()
      const db = await this.#connection
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('view lookup timed out')), TIMEOUT_MS)
      })
      const result = await Promise.race([
        db.query(
          `SELECT LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME) FROM information_schema.VIEWS WHERE LOWER(TABLE_NAME) IN (${list.join(', ')})`,
        ),
        timeout,
      ])
      const full = new Set<string>()
      const named = new Set<string>()
      for (const [schema, table] of result.rows) {
        if (schema == null || table == null) continue
        full.add(`${schema}.${table}`)
        named.add(table)
      }
      return { full, tails: named }
    } catch (error) {
      if (!(error instanceof MysqlServerError)) this.close()
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }
}
