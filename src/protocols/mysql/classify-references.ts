// Every table a (part of a) statement reads, found by walking the whole tree, so a table in a subquery,
// a join, a derived table or an expression is never missed. A name a CTE defines is not a table where the
// CTE is in scope (and only there: `WITH s AS (SELECT 1) …` does not hide a table `s` elsewhere), and
// `dual` is MySQL's no-table. Stored functions (`db.f()`, and `f()` when f is not native) need execute.
import {
  type Acc,
  asList,
  asNode,
  asString,
  fail,
  type Node,
  nameParts,
  need,
  needGlobal,
} from './classify-tree.ts'
import { MYSQL_NATIVE_FUNCTIONS } from './native-functions.ts'

/** Deeper trees are refused rather than walked (the parser's own recursion limit is lower). */
const MAX_DEPTH = 400

const DATA_MODIFYING = new Set(['Insert', 'Update', 'Delete', 'Merge'])

/** Functions that read files on the database server. */
const SERVER_FILE_FUNCTIONS = new Set(['load_file'])

export interface Aliases {
  /** alias or bare table name (lower case) -> the table's name parts. */
  readonly map: Map<string, string[]>
}

/** Walks `tree`, needing `verb` on every table it references; records aliases when `aliases` is given. */
export function walkReferences(tree: unknown, verb: string, acc: Acc, aliases?: Aliases): void {
  walk(tree, verb, acc, NO_CTES, aliases, 0)
}

function walk(
  v: unknown,
  verb: string,
  acc: Acc,
  ctes: CteNames,
  aliases: Aliases | undefined,
  depth: number,
): void {
  if (depth > MAX_DEPTH) {
    fail(acc, 'the statement nests too deeply to classify')
    return
  }
  if (Array.isArray(v)) {
    for (const item of v) walk(item, verb, acc, ctes, aliases, depth + 1)
    return
  }
  const node = asNode(v)
  if (!node) return
  const withClause = asNode(node.with)
  if (withClause && node.body !== undefined) {
    walkQueryWithCtes(node, withClause, verb, acc, ctes, aliases, depth)
    return
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'span') continue
    const body = asNode(value)
    if (key === 'Table' && body && Array.isArray(body.name)) {
      tableReference(body, verb, acc, ctes, aliases)
      for (const [k, rest] of Object.entries(body))
        if (k !== 'name') walk(rest, verb, acc, ctes, aliases, depth + 1)
      continue
    }
    if (key === 'Function' && body) functionCall(body, acc)
    // A data-modifying statement anywhere inside a query (not where classify-statements.ts looks for one)
    // would be walked as reads only: refuse it.
    if (DATA_MODIFYING.has(key) && body && asNode(body[key])) {
      fail(acc, `${key} inside a query is not supported by the gateway`)
      continue
    }
    walk(value, verb, acc, ctes, aliases, depth + 1)
  }
}

/** The CTE names visible at a point of the tree. */
interface CteNames {
  has(name: string): boolean
}

const NO_CTES: CteNames = { has: () => false }

/** One WITH's names (each at its first position), of which the first `visible` are in scope, and the
 * enclosing scope's. One map per WITH: a copy of the earlier names per CTE made 10,000 CTEs (200 KB) hold
 * the event loop for most of a minute. */
class CteScope implements CteNames {
  readonly #outer: CteNames
  readonly #first: ReadonlyMap<string, number>
  readonly #visible: number

  constructor(outer: CteNames, first: ReadonlyMap<string, number>, visible: number) {
    this.#outer = outer
    this.#first = first
    this.#visible = visible
  }

  has(name: string): boolean {
    const at = this.#first.get(name)
    return (at !== undefined && at < this.#visible) || this.#outer.has(name)
  }
}

function walkQueryWithCtes(
  query: Node,
  withClause: Node,
  verb: string,
  acc: Acc,
  outer: CteNames,
  aliases: Aliases | undefined,
  depth: number,
): void {
  const tables = asList(withClause.cte_tables)
  const names = tables.map(
    (t) => asString(asNode(asNode(asNode(t)?.alias)?.name)?.value)?.toLowerCase() ?? '',
  )
  const recursive = withClause.recursive === true
  const first = new Map<string, number>()
  names.forEach((name, i) => {
    if (!first.has(name)) first.set(name, i)
  })
  tables.forEach((cte, i) => {
    // A non-recursive CTE sees the CTEs before it; its own name still means the table there.
    const inScope = new CteScope(outer, first, recursive ? names.length : i)
    walk(asNode(cte)?.query, verb, acc, inScope, aliases, depth + 1)
  })
  const inScope = new CteScope(outer, first, names.length)
  for (const [key, value] of Object.entries(query)) {
    if (key !== 'with') walk(value, verb, acc, inScope, aliases, depth + 1)
  }
}

function tableReference(
  table: Node,
  verb: string,
  acc: Acc,
  ctes: CteNames,
  aliases: Aliases | undefined,
): void {
  const parts = nameParts(table.name)
  if (parts === undefined) {
    fail(acc, 'a table reference of unexpected shape')
    return
  }
  const bare = parts.length === 1 ? parts[0]!.toLowerCase() : undefined
  if (bare !== undefined && (ctes.has(bare) || bare === 'dual')) return
  need(acc, verb, parts)
  if (aliases) {
    const alias = asString(asNode(asNode(table.alias)?.name)?.value)
    aliases.map.set((alias ?? parts[parts.length - 1]!).toLowerCase(), parts)
  }
}

/** Native functions whose effect outlives or reaches past the statement's own rows: holding a server thread
 * or a core (SLEEP, BENCHMARK), named locks other applications wait on (GET_LOCK …), waiting on
 * replication. */
const SERVER_AFFECTING_FUNCTIONS = new Set([
  'sleep',
  'benchmark',
  'get_lock',
  'release_lock',
  'release_all_locks',
  'is_free_lock',
  'is_used_lock',
  'master_pos_wait',
  'master_gtid_wait',
  'source_pos_wait',
  'wait_for_executed_gtid_set',
])

/** MariaDB's sequence functions: the sequence is their first argument; NEXTVAL and SETVAL move it. */
const SEQUENCE_FUNCTIONS: Record<string, string> = { nextval: 'update', setval: 'update', lastval: 'select' }

function functionCall(fn: Node, acc: Acc): void {
  const parts = nameParts(fn.name)
  if (parts === undefined) return
  const bare = parts.length === 1 ? parts[0]!.toLowerCase() : undefined
  if (bare !== undefined && SERVER_FILE_FUNCTIONS.has(bare)) acc.traits.add('server-file')
  const sequenceVerb = bare === undefined ? undefined : SEQUENCE_FUNCTIONS[bare]
  if (sequenceVerb !== undefined) {
    const first = asNode(asNode(asNode(asList(asNode(asNode(fn.args)?.List)?.args)[0])?.Unnamed)?.Expr)
    const sequence = nameParts(
      first?.CompoundIdentifier ?? (first?.Identifier ? [first.Identifier] : undefined),
    )
    if (sequence === undefined) {
      fail(acc, `${bare} of something other than a sequence name`)
      return
    }
    if (sequenceVerb === 'update') acc.traits.add('writes')
    need(acc, sequenceVerb, sequence)
    return
  }
  // Native, but acting beyond the statement: a grant names them (`execute:sleep`), as PostgreSQL's pg_sleep
  // and advisory locks.
  if (bare !== undefined && SERVER_AFFECTING_FUNCTIONS.has(bare)) {
    needGlobal(acc, 'execute', bare)
    return
  }
  // An unqualified name that is not a native function is a stored function of the current database.
  if (parts.length > 1 || !MYSQL_NATIVE_FUNCTIONS.has(bare!)) need(acc, 'execute', parts)
}
