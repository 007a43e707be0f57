// Whether an UPDATE or DELETE's WHERE clause may select every row, for the `unbounded-write` trait.
// Structural, never by literal value, so every text sharing a cache key gets the same answer: a condition
// that reads no column (`1=1`, `'a'='a'`, `NOT 0`) is true for all rows or for none, so it counts as
// unbounded; OR is unbounded when any branch is, AND when every branch is, NOT flips to "may be always
// false"; `x = x` and `x IS NOT NULL` count too. A heuristic for a guardrail, as in PostgreSQL's
// classify-bounds.ts: `id > -1` passes as bounded, and a `rowsOver` guardrail is the backstop.
import { asNode, type Node, shapeOf, variant } from './classify-tree.ts'

export function mayMatchEveryRow(where: unknown): boolean {
  return where === undefined || where === null || mayBeAlwaysTrue(where)
}

/** Whether an expression reads a column (a user or system variable is not a column). */
function readsRow(expr: unknown): boolean {
  if (Array.isArray(expr)) return expr.some(readsRow)
  const node = asNode(expr)
  if (!node) return false
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Identifier' && !String(asNode(value)?.value ?? '').startsWith('@')) return true
    if (key === 'CompoundIdentifier') {
      const first = asNode((value as unknown[])[0])
      if (!String(first?.value ?? '').startsWith('@')) return true
    }
    if (key !== 'span' && readsRow(value)) return true
  }
  return false
}

const sameSides = (body: Node) => shapeOf(body.left) === shapeOf(body.right)

function mayBeAlwaysTrue(expr: unknown): boolean {
  if (!readsRow(expr)) return true
  const v = variant(expr)
  if (!v) return false
  const [kind, body] = v
  const inner = (expr as Node)[kind]
  if (kind === 'Nested') return mayBeAlwaysTrue(inner)
  if (kind === 'BinaryOp') {
    if (body.op === 'Or') return mayBeAlwaysTrue(body.left) || mayBeAlwaysTrue(body.right)
    if (body.op === 'And') return mayBeAlwaysTrue(body.left) && mayBeAlwaysTrue(body.right)
    if (body.op === 'Eq' || body.op === 'GtEq' || body.op === 'LtEq' || body.op === 'Spaceship')
      return sameSides(body)
    return false
  }
  if (kind === 'UnaryOp' && body.op === 'Not') return mayBeAlwaysFalse(body.expr)
  if (kind === 'IsNotNull') return true
  if (kind === 'IsTrue' || kind === 'IsNotFalse') return mayBeAlwaysTrue(inner)
  if (kind === 'IsFalse' || kind === 'IsNotTrue') return mayBeAlwaysFalse(inner)
  return false
}

function mayBeAlwaysFalse(expr: unknown): boolean {
  if (!readsRow(expr)) return true
  const v = variant(expr)
  if (!v) return false
  const [kind, body] = v
  const inner = (expr as Node)[kind]
  if (kind === 'Nested') return mayBeAlwaysFalse(inner)
  if (kind === 'BinaryOp') {
    if (body.op === 'Or') return mayBeAlwaysFalse(body.left) && mayBeAlwaysFalse(body.right)
    if (body.op === 'And') return mayBeAlwaysFalse(body.left) || mayBeAlwaysFalse(body.right)
    if (body.op === 'NotEq' || body.op === 'Lt' || body.op === 'Gt') return sameSides(body)
    return false
  }
  if (kind === 'UnaryOp' && body.op === 'Not') return mayBeAlwaysTrue(body.expr)
  if (kind === 'IsNull') return true
  if (kind === 'IsFalse' || kind === 'IsNotTrue') return mayBeAlwaysTrue(inner)
  if (kind === 'IsTrue' || kind === 'IsNotFalse') return mayBeAlwaysFalse(inner)
  return false
}
