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

/** Lower-case column names (without table) the statements compute on. */
export function computedColumns(statements: readonly unknown[]): string[] {
  const found = new Set<string>()
  for (const statement of statements) {
    const exempt = new Set<unknown>(returnedAsIs(statement))
    walk(statement, found, exempt, 0)
  }
  return [...found]
}

/** The projection expressions of a top-level SELECT that are plain column references. */
function returnedAsIs(statement: unknown): unknown[] {
  const select = asNode(asNode(asNode(asNode(statement)?.Query)?.body)?.Select)
  const out: unknown[] = []
  for (const item of asList(select?.projection)) {
    const node = asNode(item)
    const expr = node?.UnnamedExpr ?? asNode(node?.ExprWithAlias)?.expr
    const e = asNode(expr)
    if (e?.Identifier !== undefined || e?.CompoundIdentifier !== undefined) out.push(expr)
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
