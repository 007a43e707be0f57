// Row estimates for guardrails with `rowsOver`: the optimizer's estimate from EXPLAIN FORMAT=JSON of the
// exact statement text (mariadb.com/kb/en/explain-format-json/), asked on a separate connection logged in
// as the session is (same privileges, same default database), never on the client's own connection (that
// would interleave with its results and transaction). EXPLAIN without ANALYZE executes nothing, and what
// is explained was already allowed by everything but the row count. The connection is not READ ONLY:
// MariaDB 10.11 refused EXPLAIN there ("Cannot execute statement in a READ ONLY transaction") for a table
// whose statistics had just been collected. It opens when a statement first needs an estimate; any
// failure or a wait over TIMEOUT_MS is "unknown" (undefined), and the guardrail's policy decides what
// unknown means.
//
// The estimate is what the plan says will be read or touched: the product of each joined table's rows
// (× `filtered` %) down a nested loop, the sum over a UNION, the target table's rows for UPDATE/DELETE.
// A block-nested-loop join is counted as its full product: an over-estimate, which can only make a
// `rowsOver` guardrail stricter.
import { AdminConnection, MysqlServerError } from './admin-connection.ts'
import type { MysqlTarget, UpstreamLogin } from './back.ts'
import { asList, asNode, type Node } from './classify-tree.ts'

const TIMEOUT_MS = 2_000
/** Statement kinds (classify.ts) EXPLAIN can estimate; several statements in one text are not. */
const EXPLAINABLE = new Set(['Query', 'Insert', 'Update', 'Delete'])

export function isExplainable(kind: string): boolean {
  return EXPLAINABLE.has(kind)
}

/** The estimate in an EXPLAIN FORMAT=JSON document; undefined when the plan does not say (no query
 * block, or a table without `rows`, as MariaDB's "Deleting all rows" plan of a WHERE-less DELETE). */
export function rowsFromExplain(plan: unknown): number | undefined {
  const block = asNode(asNode(plan)?.query_block)
  const rows = block ? blockRows(block) : undefined
  return rows === undefined ? undefined : Math.round(rows)
}

function blockRows(block: Node): number | undefined {
  const union = asNode(block.union_result)
  if (union)
    return combine(
      asList(union.query_specifications),
      (spec) => blockRows(asNode(asNode(spec)?.query_block) ?? {}),
      (a, b) => a + b,
      0,
    )
  if (Array.isArray(block.nested_loop))
    return combine(
      block.nested_loop,
      (entry) => tableRows(firstTable(entry)),
      (a, b) => a * b,
      1,
    )
  return tableRows(asNode(block.table))
}

/** Folds the parts' estimates; unknown as soon as one part is. */
function combine(
  parts: unknown[],
  rowsOf: (part: unknown) => number | undefined,
  op: (a: number, b: number) => number,
  start: number,
): number | undefined {
  let total = start
  for (const part of parts) {
    const rows = rowsOf(part)
    if (rows === undefined) return undefined
    total = op(total, rows)
  }
  return total
}

/** The table of a nested-loop entry: `{table}` or a join-buffer wrapper around one (`block-nl-join`). */
function firstTable(entry: unknown): Node | undefined {
  const node = asNode(entry)
  if (!node) return undefined
  const table = asNode(node.table)
  if (table) return table
  for (const value of Object.values(node)) {
    const inner = asNode(asNode(value)?.table)
    if (inner) return inner
  }
  return undefined
}

function tableRows(table: Node | undefined): number | undefined {
  if (!table || typeof table.rows !== 'number') return undefined
  const filtered = typeof table.filtered === 'number' ? table.filtered : 100
  return table.rows * (filtered / 100)
}

export class MysqlRowEstimator {
  readonly #target: MysqlTarget
  readonly #login: UpstreamLogin
  #connection: Promise<AdminConnection> | undefined

  /** `login`: the session's own (its account and current database). */
  constructor(target: MysqlTarget, login: UpstreamLogin) {
    this.#target = target
    this.#login = login
  }

  /** The estimate for a classified statement; undefined when unknown. Never throws. */
  async estimate(sql: string, kind: string): Promise<number | undefined> {
    if (!isExplainable(kind)) return undefined
    let timer: NodeJS.Timeout | undefined
    try {
      this.#connection ??= AdminConnection.open(this.#target, this.#login)
      const db = await this.#connection
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('EXPLAIN timed out')), TIMEOUT_MS)
      })
      const result = await Promise.race([db.query(`EXPLAIN FORMAT=JSON ${sql}`), timeout])
      const json = result.rows[0]?.[0]
      return json ? rowsFromExplain(JSON.parse(json)) : undefined
    } catch (error) {
      // Unknown. A server ERR leaves the connection usable; one that failed or is mid-answer is not reused.
      if (!(error instanceof MysqlServerError)) this.close()
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }

  close(): void {
    const connection = this.#connection
    this.#connection = undefined
    connection?.then((db) => db.destroy()).catch(() => {})
  }
}
