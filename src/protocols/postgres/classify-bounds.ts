// Whether a WHERE clause may select every row, for the `unbounded-write` guardrail trait.
//
// Structural, never by literal value, so the answer is the same for every text sharing a cache key: a
// condition that reads no column of the row (`1=1`, `'a'='a'`, `NOT false`, `1=2`, `random() < 2`) is
// either true for all rows or for none, so it counts as unbounded; OR is unbounded when any branch is, AND
// when every branch is, NOT flips to "may be always false"; `x = x` counts too, and so does `x IS NOT NULL`
// (`IS DISTINCT FROM NULL`): on a NOT NULL column it selects every row, and nullability is not known here.
// This is a guardrail heuristic, not a proof: an uncorrelated subquery that names its own columns, or a
// comparison whose literal happens to cover every value (`id > -1`), passes as bounded; a guardrail with a
// row-count threshold is the backstop for those.
import { asList, asNode, type Node, unwrap } from './classify-walk.ts'

/** True when `where` is absent or may be true for every row. */
export function mayMatchEveryRow(where: unknown): boolean {
  if (where === undefined) return true
  return mayBeAlwaysTrue(where)
}

function mayBeAlwaysTrue(expr: unknown): boolean {
  if (!readsRow(expr)) return true
  const u = unwrap(expr)
  if (!u) return false
  const [kind, body] = u
  if (kind === 'BoolExpr') {
    const args = asList(body.args)
    if (body.boolop === 'OR_EXPR') return args.some(mayBeAlwaysTrue)
    if (body.boolop === 'AND_EXPR') return args.every(mayBeAlwaysTrue)
    if (body.boolop === 'NOT_EXPR') return mayBeAlwaysFalse(args[0])
  }
  if (kind === 'TypeCast') return mayBeAlwaysTrue(body.arg)
  if (kind === 'BooleanTest') {
    if (body.booltesttype === 'IS_TRUE' || body.booltesttype === 'IS_NOT_FALSE')
      return mayBeAlwaysTrue(body.arg)
    if (body.booltesttype === 'IS_FALSE' || body.booltesttype === 'IS_NOT_TRUE')
      return mayBeAlwaysFalse(body.arg)
  }
  if (kind === 'NullTest') return body.nulltesttype === 'IS_NOT_NULL'
  if (kind === 'A_Expr') return sameSides(body, ['=', '>=', '<=']) || comparesWithNull(body, 'AEXPR_DISTINCT')
  return false
}

function mayBeAlwaysFalse(expr: unknown): boolean {
  if (!readsRow(expr)) return true
  const u = unwrap(expr)
  if (!u) return false
  const [kind, body] = u
  if (kind === 'BoolExpr') {
    const args = asList(body.args)
    if (body.boolop === 'OR_EXPR') return args.every(mayBeAlwaysFalse)
    if (body.boolop === 'AND_EXPR') return args.some(mayBeAlwaysFalse)
    if (body.boolop === 'NOT_EXPR') return mayBeAlwaysTrue(args[0])
  }
  if (kind === 'TypeCast') return mayBeAlwaysFalse(body.arg)
  if (kind === 'NullTest') return body.nulltesttype === 'IS_NULL'
  if (kind === 'A_Expr')
    return sameSides(body, ['<>', '!=', '<', '>']) || comparesWithNull(body, 'AEXPR_NOT_DISTINCT')
  return false
}

/** `x IS [NOT] DISTINCT FROM NULL`: NULL is a keyword, not a literal, so this is structural. */
function comparesWithNull(expr: Node, kind: string): boolean {
  if (expr.kind !== kind) return false
  const isNull = (side: unknown) => asNode(asNode(side)?.A_Const)?.isnull === true
  return isNull(expr.lexpr) || isNull(expr.rexpr)
}

function sameSides(expr: Node, ops: readonly string[]): boolean {
  const op = unwrap(asList(expr.name)[asList(expr.name).length - 1])?.[1].sval
  if (expr.kind !== 'AEXPR_OP' || typeof op !== 'string' || !ops.includes(op)) return false
  return expr.lexpr !== undefined && withoutLocations(expr.lexpr) === withoutLocations(expr.rexpr)
}

// Constants are compared as equal whatever their value (`id + 1 = id + 2` counts as `x = x`): the answer
// must not depend on literals, or a cached decision for one text would be wrong for another with its key.
const withoutLocations = (v: unknown) =>
  JSON.stringify(v, (key, value) => (key === 'location' ? undefined : key === 'A_Const' ? '?' : value))

/** Whether an expression reads anything from the row: a column reference or WHERE CURRENT OF. */
function readsRow(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(readsRow)
  const node = asNode(value)
  if (!node) return false
  if ('ColumnRef' in node || 'CurrentOfExpr' in node) return true
  for (const key in node) if (typeof node[key] === 'object' && readsRow(node[key])) return true
  return false
}
