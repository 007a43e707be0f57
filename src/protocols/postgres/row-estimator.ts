// Row estimates for guardrails with `rowsOver`: PostgreSQL's planner estimate from EXPLAIN (FORMAT JSON) of
// the exact statement text, asked on a separate connection, never on the client's upstream connection
// (that would interleave with the client's own pipeline and transaction). One estimator per session, logged
// in as the session is (the grant's ephemeral role, or the resource's user), so EXPLAIN runs with the same
// privileges and the same pinned search_path; it connects only when a statement first needs an estimate.
// EXPLAIN without ANALYZE executes nothing, and the connection is read-only besides: planning may evaluate
// immutable functions, which then cannot write. Any failure or a wait over TIMEOUT_MS is "unknown".
// A query string of several statements is estimated statement by statement (the largest counts); a Parse
// with $n parameters on PostgreSQL before 16 (no GENERIC_PLAN) is estimated at each Bind, with its values.
import { parseSync } from 'libpg-query'
import pg from 'pg'
import type { Logger } from 'pino'
import type { PostgresResourceConfig } from '../../config/schema.ts'
import { PINNED_SEARCH_PATH, type UpstreamLogin } from './back.ts'
import { sslFor } from './table-catalog.ts'
import type { BindParameter } from './wire/client-messages.ts'

const TIMEOUT_MS = 2_000
const IDLE_CLOSE_MS = 30_000
/** Statements EXPLAIN accepts that can touch or return rows. */
const EXPLAINABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'])
/** Statements that touch rows EXPLAIN cannot count, besides those holding a query (CREATE TABLE AS, ...). */
const UNCOUNTABLE = new Set([
  'ExecuteStmt',
  'CallStmt',
  'DoStmt',
  'CopyStmt',
  'TruncateStmt',
  'FetchStmt',
  'RefreshMatViewStmt',
  'ExplainStmt',
  'Unparsed',
])
const HOLDS_QUERY = /"(?:SelectStmt|InsertStmt|UpdateStmt|DeleteStmt|MergeStmt)":/
/** What `estimate` returns for a Parse it can only estimate once its Bind gives the parameter values. */
export const AT_BIND = 'at-bind'

export interface PlanNode {
  'Node Type'?: string
  'Parent Relationship'?: string
  'Plan Rows'?: number
  Plans?: PlanNode[]
}

/** Whether a statement of this classified kind (`;`-joined for several) has a part EXPLAIN can estimate. */
export function isExplainable(kind: string): boolean {
  return kind.split(';').some((k) => EXPLAINABLE.has(k))
}

/** The statements of `text` to EXPLAIN, cut at the parser's statement locations: each SELECT, INSERT,
 * UPDATE, DELETE and MERGE. Statements that touch no rows (BEGIN, COMMIT, SET, DDL without a query) are
 * skipped; undefined when a statement touches rows EXPLAIN cannot count (EXECUTE, COPY, TRUNCATE, CALL,
 * CREATE TABLE AS, ...), so the whole string's estimate is unknown. A single statement is its text as is. */
export function statementsToExplain(text: string): string[] | undefined {
  let stmts: Array<{ stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }>
  try {
    stmts = (parseSync(text) as { stmts?: typeof stmts }).stmts ?? []
  } catch {
    return undefined
  }
  const bytes = Buffer.from(text, 'utf8')
  const parts: string[] = []
  for (const s of stmts) {
    const kind = Object.keys(s.stmt ?? {})[0] ?? 'Unparsed'
    if (EXPLAINABLE.has(kind)) {
      // stmt_location and stmt_len count bytes; a length of 0 means "to the end of the string".
      const start = s.stmt_location ?? 0
      parts.push(
        stmts.length === 1
          ? text
          : bytes.toString('utf8', start, s.stmt_len ? start + s.stmt_len : bytes.length),
      )
    } else if (UNCOUNTABLE.has(kind) || HOLDS_QUERY.test(JSON.stringify(s.stmt))) return undefined
  }
  return parts
}

/** Whether the statement text refers to a $n parameter. */
function hasParameters(text: string): boolean {
  try {
    return JSON.stringify(parseSync(text)).includes('"ParamRef":')
  } catch {
    return false
  }
}

/** A Bind parameter as an SQL literal for EXECUTE, or undefined when it is binary (its type is unknown). */
function literalOf(p: BindParameter, client: pg.Client): string | undefined {
  if (p.value === null) return 'NULL'
  if (p.format !== 0) return undefined
  return client.escapeLiteral(p.value.toString('utf8'))
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
  #prepares = 0

  constructor(target: PostgresResourceConfig['target'], login: UpstreamLogin, logger: Logger) {
    this.#target = target
    this.#login = login
    this.#logger = logger
  }

  /** The planner's estimate for `text`, or undefined when unknown, or AT_BIND for a Parse's text with $n
   * parameters the target cannot plan without values. Never rejects; settles within about TIMEOUT_MS.
   * `prepared`: the text is a Parse's, which may carry $n parameters. */
  estimate(text: string, prepared: boolean): Promise<number | undefined | typeof AT_BIND> {
    return this.#bounded(() => this.#explain(text, prepared))
  }

  /** The estimate for one execution of a Parse's `text` with a Bind's `parameters` (text format). */
  estimateExecution(text: string, parameters: readonly BindParameter[]): Promise<number | undefined> {
    return this.#bounded(() => this.#explainExecution(text, parameters))
  }

  async #bounded<T>(explain: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.#closed) return undefined
    clearTimeout(this.#idle)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS)
    })
    const work = explain()
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

  async #explain(text: string, prepared: boolean): Promise<number | undefined | typeof AT_BIND> {
    // A Parse holds one statement (the extended protocol refuses more); a Query may hold several.
    const parts = prepared ? [text] : statementsToExplain(text)
    if (parts === undefined || parts.length === 0) return undefined
    const { client, versionNum } = await this.#connect()
    // GENERIC_PLAN (PostgreSQL 16+) plans a statement with $n parameters without values; before 16 such a
    // statement is planned at each Bind with its values instead.
    if (prepared && versionNum < 160000 && hasParameters(text)) return AT_BIND
    const options = prepared && versionNum >= 160000 ? 'GENERIC_PLAN, FORMAT JSON' : 'FORMAT JSON'
    let largest = 0
    for (const part of parts) {
      const rows = await explainOne(client, `EXPLAIN (${options}) ${part}`)
      if (rows === undefined) return undefined
      largest = Math.max(largest, rows)
    }
    return largest
  }

  async #explainExecution(text: string, parameters: readonly BindParameter[]): Promise<number | undefined> {
    const { client } = await this.#connect()
    const literals = parameters.map((p) => literalOf(p, client))
    if (literals.some((l) => l === undefined)) return undefined
    // PREPARE infers the parameter types from the text (the Parse's type OIDs are not passed here); a
    // statement whose types cannot be inferred fails, so is unknown. EXPLAIN EXECUTE plans with the values.
    const name = `taskgate_estimate_${++this.#prepares}`
    await client.query({ text: `PREPARE ${name} AS ${text}`, queryMode: 'extended' } as pg.QueryConfig)
    try {
      return await explainOne(client, `EXPLAIN (FORMAT JSON) EXECUTE ${name}(${literals.join(', ')})`)
    } finally {
      await client.query(`DEALLOCATE ${name}`).catch(() => {})
    }
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
        // The session's pinned search path (back.ts), so an unqualified name means the same table here.
        options: `-c default_transaction_read_only=on -c search_path=${PINNED_SEARCH_PATH}`,
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

async function explainOne(client: pg.Client, text: string): Promise<number | undefined> {
  // The extended protocol refuses a second statement in the text: nothing after a `;` can run.
  // (pg supports `queryMode`; its type definitions do not list it yet.)
  const result = await client.query<Record<string, unknown>>({
    text,
    queryMode: 'extended',
  } as pg.QueryConfig)
  const row = result.rows[0]
  return row === undefined ? undefined : estimatedRowsOf(Object.values(row)[0])
}
