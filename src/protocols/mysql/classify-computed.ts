// The columns a statement computes on rather than only returning them (core's Action.computesOn): masking
// rules refuse filtering, joining, sorting, grouping on, or passing to a function, a column they mask, since
// each is a question about the clear value (`WHERE email LIKE 'a%'`). Read conservatively from the parse
// tree: every column reference counts, except a plain column (aliased or not) in the projection of the
// statement's own top-level SELECT, which is only returned. Table and function names are not columns.
import { asList, asNode, asString } from './classify-tree.ts'

/** Deeper trees are not walked further (the classifier refuses them anyway). */
const MAX_DEPTH = 400
/** A statement naming more distinct columns than this is reported with the first ones only; the walk over
 * them is bounded by the text, which the session bounds. */
const MAX_COLUMNS = 4096

/** Lower-case column names (without table) the statements compute on; `wholeRow` when a position in ORDER
 * BY or GROUP BY points at a `*`, whose columns the text does not name. */
export function computedColumns(statements: readonly unknown[]): {
  columns: string[]
  wholeRow: boolean
  /** A position (a literal) decided what is computed on: `ORDER BY 1` and `ORDER BY 2` share a cache key. */
  byPosition: boolean
} {
  const found = new Set<string>()
  let wholeRow = false
  let byPosition = false
  for (const statement of statements) {
    const select = topSelect(statement)
    // `SELECT email INTO @v`: the value is stored, not returned, and `WHERE @v LIKE 'a%'` then computes on
    // it under a name no rule knows. A stored column counts as computed on.
    // DISTINCT compares the rows it returns, as GROUP BY would: "are these equal?".
    const distinct = select?.distinct !== undefined && select.distinct !== null
    const stored = select?.into !== undefined && select.into !== null
    const projected = stored || distinct ? [] : returnedAsIs(select)
    if (distinct && asList(select?.projection).some(isWildcard)) wholeRow = true
    const returned = stored ? undefined : selectOf(asNode(statement)?.Query)
    if (storedOrComparedWildcard(statement, returned)) wholeRow = true
    walk(statement, found, new Set(projected.map((p) => p.expr)), 0)
    // A returned column is computed on when a clause names it by its alias (`SELECT email e … HAVING e
    // LIKE 'a%'`) or its position (`ORDER BY 1`).
    for (const p of projected) if (p.alias !== undefined && found.has(p.alias)) found.add(p.column)
    for (const position of positions(statement, select)) {
      byPosition = true
      const item = asList(select?.projection)[position - 1]
      const plain = projected.find((p) => p.item === item)
      if (plain) found.add(plain.column)
      else if (asList(select?.projection).some((i, n) => n < position && isWildcard(i))) wholeRow = true
    }
  }
  return { columns: [...found], wholeRow, byPosition }
}

const topSelect = (statement: unknown) => asNode(asNode(asNode(asNode(statement)?.Query)?.body)?.Select)

/** The SELECT a query returns as it is (through parentheses), not a set operation's. */
function selectOf(query: unknown): Record<string, unknown> | undefined {
  let body = asNode(asNode(query)?.body)
  for (let depth = 0; body?.Query !== undefined && depth < MAX_DEPTH; depth++)
    body = asNode(asNode(body.Query)?.body)
  return asNode(body?.Select)
}

/** Whether a `*` names columns the text does not, where rows are compared or stored rather than returned:
 * `CREATE VIEW v AS SELECT * FROM cv` and `CREATE TABLE t AS SELECT * FROM cv` stored a view's renamed
 * masked column under a name no rule knows (read back in clear), `… WHERE (1, 'a', 'x') IN (SELECT * FROM
 * customers)` and `SELECT * … UNION SELECT …` compare rows. A `*` is only returned in `returned` (the
 * statement's own top SELECT; undefined when it stores its rows) and in the SELECT of a FROM subquery or a
 * CTE, which passes the columns on under their names, or of an EXISTS. */
function storedOrComparedWildcard(
  statement: unknown,
  returned: Record<string, unknown> | undefined,
): boolean {
  const passing = new Set<unknown>()
  if (returned !== undefined) passing.add(returned)
  const explained = asNode(asNode(asNode(statement)?.Explain)?.statement)?.Query
  if (explained !== undefined) {
    const inner = selectOf(explained)
    if (inner !== undefined) passing.add(inner)
  }
  const visit = (v: unknown, depth: number): boolean => {
    if (depth > MAX_DEPTH) return true
    if (Array.isArray(v)) return v.some((item) => visit(item, depth + 1))
    const node = asNode(v)
    if (node === undefined) return false
    const derived = asNode(node.Derived)
    if (derived !== undefined) passing.add(selectOf(derived.subquery))
    // EXISTS asks whether a row comes back, whatever its columns.
    const exists = asNode(node.Exists)
    if (exists !== undefined) passing.add(selectOf(exists.subquery))
    for (const cte of asList(node.cte_tables)) passing.add(selectOf(asNode(cte)?.query))
    if (Array.isArray(node.projection) && !passing.has(node) && node.projection.some(isWildcard)) return true
    for (const [key, child] of Object.entries(node))
      if (key !== 'span' && visit(child, depth + 1)) return true
    return false
  }
  return visit(statement, 0)
}

const isWildcard = (item: unknown) =>
  item === 'Wildcard' || asNode(item)?.Wildcard !== undefined || asNode(item)?.QualifiedWildcard !== undefined

interface Projected {
  item: unknown
  expr: unknown
  column: string
  alias?: string
}

/** The projection items of a top-level SELECT that are plain column references. */
function returnedAsIs(select: Record<string, unknown> | undefined): Projected[] {
  const out: Projected[] = []
  for (const item of asList(select?.projection)) {
    const node = asNode(item)
    const aliased = asNode(node?.ExprWithAlias)
    const expr = node?.UnnamedExpr ?? aliased?.expr
    const e = asNode(expr)
    const column =
      asString(asNode(e?.Identifier)?.value) ??
      (Array.isArray(e?.CompoundIdentifier)
        ? asString(asNode(e.CompoundIdentifier.at(-1))?.value)
        : undefined)
    if (column === undefined) continue
    const alias = asString(asNode(aliased?.alias)?.value)
    out.push({ item, expr, column: column.toLowerCase(), ...(alias ? { alias: alias.toLowerCase() } : {}) })
  }
  return out
}

/** The 1-based positions ORDER BY and GROUP BY of the top-level SELECT name (`ORDER BY 2`). */
function positions(statement: unknown, select: Record<string, unknown> | undefined): number[] {
  const orderBy = asNode(asNode(asNode(asNode(statement)?.Query)?.order_by)?.kind)?.Expressions
  const groupBy = asList(asNode(select?.group_by)?.Expressions)[0]
  const exprs = [...asList(orderBy).map((o) => asNode(o)?.expr), ...asList(groupBy)]
  const out: number[] = []
  for (const expr of exprs) {
    const number = asList(asNode(asNode(asNode(expr)?.Value)?.value)?.Number)[0]
    const n = typeof number === 'string' ? Number(number) : Number.NaN
    if (Number.isInteger(n) && n > 0) out.push(n)
  }
  return out
}

function walk(v: unknown, found: Set<string>, exempt: Set<unknown>, depth: number): void {
  if (depth > MAX_DEPTH || found.size >= MAX_COLUMNS || exempt.has(v)) return
  if (Array.isArray(v)) {
    for (const item of v) walk(item, found, exempt, depth + 1)
    return
  }
  const node = asNode(v)
  if (node === undefined) return
  const single = asString(asNode(node.Identifier)?.value)
  if (single !== undefined) {
    found.add(single.toLowerCase())
    return
  }
  if (Array.isArray(node.CompoundIdentifier)) {
    const last = asString(asNode(node.CompoundIdentifier.at(-1))?.value)
    if (last !== undefined) found.add(last.toLowerCase())
    return
  }
  for (const [key, child] of Object.entries(node)) {
    // Object names (tables, functions, routines) and aliases are not column references.
    if (key === 'name' || key === 'alias' || key === 'span') continue
    walk(child, found, exempt, depth + 1)
  }
}
