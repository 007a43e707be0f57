// Row estimates for guardrails with `rowsOver`: PostgreSQL's planner estimate from EXPLAIN (FORMAT JSON) of
// the exact statement text, asked on a separate connection, never on the client's upstream connection
// (that would interleave with the client's own pipeline and transaction). One estimator per session, logged
// in as the session is (the grant's ephemeral role, or the resource's user), so EXPLAIN runs with the same
// privileges and role-level search_path; it connects only when a statement first needs an estimate.
// EXPLAIN without ANALYZE executes nothing, and the connection is read-only besides: planning may evaluate
// immutable functions, which then cannot write. Any failure or a wait over TIMEOUT_MS is "unknown".
import pg from 'pg'
import type { Logger } from 'pino'
import type { PostgresResourceConfig } from '../../config/schema.ts'
import type { UpstreamLogin } from './back.ts'
import { sslFor } from './table-catalog.ts'

const TIMEOUT_MS = 2_000
const IDLE_CLOSE_MS = 30_000
/** Statements EXPLAIN accepts that can touch or return rows. */
const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'])

export interface PlanNode {
  'Node Type'?: string
  'Parent Relationship'?: string
  'Plan Rows'?: number
  Plans?: PlanNode[]
}

/** Whether a statement of this classified kind can be estimated (one statement, explainable). */
export function isExplainable(kind: string): boolean {
  return EXPLAINABLE.has(kind)
}

/** The rows a plan touches: the input rows of each ModifyTable node (UPDATE, DELETE, INSERT, MERGE, also
 * inside a CTE), the largest if several; else the rows the top node returns. Undefined when the plan has
 * no row count. */
export function estimatedRowsOf(explained: unknown): number | undefined {
  const top = (Array.isArray(explained) ? (explained[0] as { Plan?: PlanNode } | undefined) : undefined)?.Plan
  if (top === undefined) return undefined
  let modified: number | undefined
  const visit = (node: PlanNode): void => {
    if (node['Node Type'] === 'ModifyTable') {
      // Its data source is the "Outer" child; InitPlans and SubPlans beside it compute values only.
      const source = node.Plans?.find((p) => p['Parent Relationship'] === 'Outer') ?? node.Plans?.[0]
      const rows = source?.['Plan Rows']
      if (typeof rows === 'number') modified = Math.max(modified ?? 0, rows)
    }
    for (const child of node.Plans ?? []) visit(child)
  }
  visit(top)
  const rows = modified ?? top['Plan Rows']
  return typeof rows === 'number' && Number.isFinite(rows) ? rows : undefined
}

export class RowEstimator {
  readonly #target: PostgresResourceConfig['target']
  readonly #login: UpstreamLogin
  readonly #logger: Logger
  #client: Promise<{ client: pg.Client; versionNum: number }> | undefined
  #idle: NodeJS.Timeout | undefined
  #closed = false

  constructor(target: PostgresResourceConfig['target'], login: UpstreamLogin, logger: Logger) {
    this.#target = target
    this.#login = login
    this.#logger = logger
  }

  /** The planner's estimate for `text`, or undefined when unknown. Never rejects; settles within about
   * TIMEOUT_MS. `prepared`: the text is a Parse's, which may carry $n parameters. */
  async estimate(text: string, prepared: boolean): Promise<number | undefined> {
    if (this.#closed) return undefined
    clearTimeout(this.#idle)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS)
    })
    const work = this.#explain(text, prepared)
    try {
      const rows = await Promise.race([work, timeout])
      if (rows === 'timeout') {
        this.#logger.info('row estimate timed out; treated as unknown')
        // A connection stuck on a slow plan or a dead socket is replaced on the next estimate.
        this.#drop()
        work.catch(() => {})
        return undefined
      }
      return rows
    } catch (error) {
      this.#logger.info({ err: String(error) }, 'row estimate failed; treated as unknown')
      if (!(error instanceof pg.DatabaseError)) this.#drop()
      return undefined
    } finally {
      clearTimeout(timer)
      if (!this.#closed) {
        this.#idle = setTimeout(() => this.#drop(), IDLE_CLOSE_MS)
        this.#idle.unref()
      }
    }
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#idle)
    this.#drop()
  }

  async #explain(text: string, prepared: boolean): Promise<number | undefined> {
    const { client, versionNum } = await this.#connect()
    // GENERIC_PLAN (PostgreSQL 16+) plans a statement with $n parameters without values.
    const options = prepared && versionNum >= 160000 ? 'GENERIC_PLAN, FORMAT JSON' : 'FORMAT JSON'
    // The extended protocol refuses a second statement in the text: nothing after a `;` can run.
    // (pg supports `queryMode`; its type definitions do not list it yet.)
    const query = { text: `EXPLAIN (${options}) ${text}`, queryMode: 'extended' } as pg.QueryConfig
    const result = await client.query<Record<string, unknown>>(query)
    const row = result.rows[0]
    return row === undefined ? undefined : estimatedRowsOf(Object.values(row)[0])
  }

  #connect(): Promise<{ client: pg.Client; versionNum: number }> {
    this.#client ??= (async () => {
      const t = this.#target
      const client = new pg.Client({
        host: t.host,
        port: t.port,
        database: t.database,
        user: this.#login.user,
        ...(this.#login.password === undefined ? {} : { password: this.#login.password }),
        ssl: sslFor(t),
        application_name: 'taskgate-estimate',
        connectionTimeoutMillis: TIMEOUT_MS,
        statement_timeout: TIMEOUT_MS,
        options: '-c default_transaction_read_only=on',
      })
      client.on('error', () => this.#drop())
      try {
        await client.connect()
        const version = await client.query<{ v: string }>('SHOW server_version_num')
        return { client, versionNum: Number(version.rows[0]?.v ?? 0) }
      } catch (error) {
        void client.end().catch(() => {})
        throw error
      }
    })()
    const pending = this.#client
    // A failed connection is not kept: the next estimate tries again.
    pending.catch(() => {
      if (this.#client === pending) this.#client = undefined
    })
    return pending
  }

  #drop(): void {
    const pending = this.#client
    this.#client = undefined
    pending?.then(({ client }) => client.end()).catch(() => {})
  }
}
