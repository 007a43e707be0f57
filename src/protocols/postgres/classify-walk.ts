// The generic part of SQL classification: a walk over every field of a libpg-query parse tree that finds each
// table reference (RangeVar), function call (FuncCall) and nested statement (subqueries, data-modifying CTEs),
// whatever clause it sits in. Statement-specific rules live in classify-statements.ts and reach back here.
//
// Parse-tree shape (libpg-query JSON): a node is `{ "KindName": { ...fields } }`, but some fields hold a bare
// struct without the wrapper (the `relation` RangeVar of INSERT/UPDATE/DELETE, `larg`/`rarg` of a UNION, a
// `withClause`); a bare struct with `relname` is a RangeVar (STACK.md trap).
import type { ScopeEntry } from '../../core/index.ts'
import { functionTraits, objectsFor } from './classify-names.ts'
import { PG_CATALOG_RELATIONS_EVERYWHERE } from './implicit-catalog.ts'
import { PG_CATALOG_FUNCTIONS } from './pg-catalog-functions.ts'

export type Node = Record<string, unknown>

/** What one walk has found so far; one per top-level string (and one per PREPARE body). */
export interface Acc {
  readonly needs: Map<string, ScopeEntry>
  readonly traits: Set<string>
  unclassified: string | undefined
  /** Set when a decision read a literal's value: such results are cached by exact text only. */
  literalSensitive: boolean
  /** Names of prepared statements EXECUTEd: resolved per session, after the cache. */
  readonly executes: string[]
  readonly prepares: { name: string; kind: string; acc: Acc }[]
  readonly deallocates: string[]
  /** CTE names visible at this point of the walk, innermost last. */
  readonly cteScopes: CteScope[]
  /** The verb a plain RangeVar gets here: `select` in queries, `alter` inside ALTER TABLE commands. */
  relationVerb: string
  /** Column names the statement references (every field of every ColumnRef, lower-cased): identifiers
   * only, so they belong in the literal-free cache template. */
  readonly columnNames: Set<string>
  /** One-field ColumnRefs (`c`): a whole row when `c` names a table, alias or CTE in scope. */
  readonly bareNames: Set<string>
  /** Names of tables, aliases and CTEs the statement has in its FROM clauses and WITHs. */
  readonly rangeNames: Set<string>
  /** A `*` or `t.*` reference: every column of a table. */
  starRef: boolean
  /** The next statement dispatched projects its SELECT's bare target columns as they are: its rows go to the
   * client (`result`: a top-level statement, a PREPARE, DECLARE, COPY or EXPLAIN body), or it is a FROM
   * subquery or CTE without column aliases, whose columns the outer query sees by name (`relation`). */
  projectionNext: Projecting
  /** ColumnRef nodes that only project a column as it is (a bare column of a top-level SELECT's list). */
  readonly projections: Set<Node>
  /** Column names computed on: filtered, joined, sorted, grouped by, passed to a function or operator, or
   * read by a nested query, anything but projected as they are (masking's inference check, issue #10). */
  readonly computedNames: Set<string>
  /** One-field ColumnRefs computed on (a whole row when the name is a table, alias or CTE), and `t.*`
   * inside an expression. */
  readonly computedBareNames: Set<string>
  computedStar: boolean
  readonly dispatch: (kind: string, body: Node, acc: Acc) => void
}

export type Projecting = false | 'result' | 'relation'

/** Walks a statement that projects (see Acc.projectionNext). */
export function walkProjecting(query: unknown, acc: Acc, mode: Projecting): void {
  acc.projectionNext = mode
  try {
    walk(query, acc)
  } finally {
    acc.projectionNext = false
  }
}

export function newAcc(dispatch: Acc['dispatch']): Acc {
  return {
    needs: new Map(),
    traits: new Set(),
    unclassified: undefined,
    literalSensitive: false,
    executes: [],
    prepares: [],
    deallocates: [],
    cteScopes: [],
    relationVerb: 'select',
    columnNames: new Set(),
    bareNames: new Set(),
    rangeNames: new Set(),
    starRef: false,
    projectionNext: false,
    projections: new Set(),
    computedNames: new Set(),
    computedBareNames: new Set(),
    computedStar: false,
    dispatch,
  }
}

/** An object created under a catalog relation's name, in any schema but pg_catalog: the temporary schema is
 * searched before pg_catalog, and a search_path moved (a grant with `set:search_path`) may put any schema
 * first, so the unqualified name (read as the catalog's, `relation` below) could be it. */
const CREATED_NAME = /^(?!pg_catalog\.)(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")*")\.([a-z_][a-z0-9_$]*)$/

export function need(acc: Acc, verb: string, objects: readonly string[]): void {
  for (const object of objects) {
    const shadowed = verb === 'create' ? CREATED_NAME.exec(object)?.[1] : undefined
    if (shadowed !== undefined && PG_CATALOG_RELATIONS_EVERYWHERE.has(shadowed))
      fail(acc, `an object may not be named ${shadowed}: it could hide the catalog's pg_catalog.${shadowed}`)
    const id = `${verb}:${object}`
    if (!acc.needs.has(id)) acc.needs.set(id, { verb, object })
  }
}

export function fail(acc: Acc, reason: string): void {
  acc.unclassified ??= reason
}

export const asNode = (v: unknown): Node | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** `{ Kind: body }` → [Kind, body]; anything else → undefined. */
export function unwrap(v: unknown): [string, Node] | undefined {
  const node = asNode(v)
  if (!node) return undefined
  const keys = Object.keys(node)
  if (keys.length !== 1) return undefined
  const kind = keys[0]!
  const code = kind.charCodeAt(0)
  const body = asNode(node[kind])
  return code >= 65 && code <= 90 && body ? [kind, body] : undefined
}

/** The `sval`s of a list of String nodes (qualified names, function names). */
export function names(list: unknown): string[] {
  return asList(list).map((item) => {
    const u = unwrap(item)
    return u?.[0] === 'String' ? (asString(u[1].sval) ?? '') : ''
  })
}

const LEAVES = new Set([
  'A_Const',
  'ColumnRef',
  'ParamRef',
  'String',
  'Integer',
  'Float',
  'Boolean',
  'BitString',
  'A_Star',
])

export function walk(value: unknown, acc: Acc): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, acc)
    return
  }
  const node = asNode(value)
  if (!node) return
  const wrapped = unwrap(node)
  if (wrapped) {
    visit(wrapped[0], wrapped[1], acc)
  } else if ('relname' in node) {
    relation(node, acc.relationVerb, acc)
  } else {
    walkFields(node, acc)
  }
}

function visit(kind: string, body: Node, acc: Acc): void {
  if (kind === 'ColumnRef') columnRef(body, acc)
  else if (LEAVES.has(kind)) return
  else if (kind === 'RangeVar') relation(body, acc.relationVerb, acc)
  else if (kind === 'FuncCall') funcCall(body, acc)
  else if (kind === 'JoinExpr') {
    joinKeys(body, acc)
    walkFields(body, acc)
  } else if (kind === 'RangeSubselect' && !hasColumnAliases(body.alias)) {
    walkProjecting(body.subquery, acc, 'relation')
    walkFields(body, acc, SUBQUERY)
  } else if (kind.endsWith('Stmt')) acc.dispatch(kind, body, acc)
  else walkFields(body, acc)
}

/** Walks every field of a struct except `skip`, opening a CTE scope first when the struct has a WITH. */
export function walkFields(node: Node, acc: Acc, skip?: ReadonlySet<string>): void {
  const withClause = asNode(node.withClause)
  if (withClause && !skip?.has('withClause')) {
    withScope(withClause, acc, () => walkFields(node, acc, new Set([...(skip ?? []), 'withClause'])))
    return
  }
  for (const key in node) {
    if (skip?.has(key) || key === 'location') continue
    const value = node[key]
    if (key === 'lockingClause') {
      // FOR UPDATE OF x names FROM items (maybe aliases), not tables: nothing to walk.
      acc.traits.add('row-lock')
    } else if (key === 'intoClause') {
      const into = asNode(value)
      relation(asNode(into?.rel) ?? {}, 'create', acc)
      acc.traits.add('ddl').add('writes')
    } else if (key === 'alias') {
      // A subquery's, function's or join's alias: `SELECT s FROM (...) s` is a whole row of it.
      const alias = asString(asNode(value)?.aliasname)
      if (alias !== undefined) acc.rangeNames.add(alias.toLowerCase())
    } else if (key === 'pktable') {
      relation(asNode(value) ?? {}, 'references', acc)
    } else if (key === 'inhRelations') {
      // INHERITS / PARTITION OF: the new table's rows show up in the parent's scans.
      withVerb(acc, 'alter', () => walk(value, acc))
    } else if (typeof value === 'object' && value !== null) {
      walk(value, acc)
    }
  }
}

const SUBQUERY = new Set(['subquery'])

/** JOIN … USING (c) compares the columns named c; a NATURAL JOIN compares every column the two sides share,
 * which the text does not name: computed on as whole rows. */
function joinKeys(join: Node, acc: Acc): void {
  if (join.isNatural === true) acc.computedStar = true
  for (const name of names(join.usingClause)) acc.computedNames.add(name.toLowerCase())
}

/** `AS s(x, y)`: the subquery's columns are renamed, so the outer query no longer sees them by name. */
const hasColumnAliases = (alias: unknown): boolean => asList(asNode(alias)?.colnames).length > 0

export function withVerb(acc: Acc, verb: string, run: () => void): void {
  const saved = acc.relationVerb
  acc.relationVerb = verb
  try {
    run()
  } finally {
    acc.relationVerb = saved
  }
}

/** The CTE names one WITH defines (each at its first position) and how many of them are visible: a CTE
 * sees those before it, or all of them in WITH RECURSIVE. One map per WITH, not a list per CTE: copying
 * the names before each CTE made 40,000 CTEs (800 KB of text) block the event loop for minutes. */
export interface CteScope {
  readonly first: ReadonlyMap<string, number>
  readonly visible: number
}

/** A CTE name shadows a table of that name in its query; in WITH RECURSIVE every CTE sees every name. */
function withScope(withClause: Node, acc: Acc, body: () => void): void {
  const ctes = asList(withClause.ctes).map((c) => unwrap(c)?.[1] ?? {})
  const cteNames = ctes.map((c) => asString(c.ctename) ?? '')
  const first = new Map<string, number>()
  cteNames.forEach((name, i) => {
    acc.rangeNames.add(name.toLowerCase())
    if (!first.has(name)) first.set(name, i)
  })
  ctes.forEach((cte, i) => {
    acc.cteScopes.push({ first, visible: withClause.recursive === true ? cteNames.length : i })
    try {
      withVerb(acc, 'select', () =>
        walkProjecting(
          cte.ctequery,
          acc,
          hasColumnAliases({ colnames: cte.aliascolnames }) ? false : 'relation',
        ),
      )
    } finally {
      acc.cteScopes.pop()
    }
  })
  acc.cteScopes.push({ first, visible: cteNames.length })
  try {
    body()
  } finally {
    acc.cteScopes.pop()
  }
}

/** A table reference; unqualified names a visible CTE defines are the CTE, not a table. */
export function relation(rv: Node, verb: string, acc: Acc): void {
  const name = asString(rv.relname)
  if (name === undefined) {
    fail(acc, 'a table reference without a name')
    return
  }
  const schema = asString(rv.schemaname)
  acc.rangeNames.add(name.toLowerCase())
  const alias = asString(asNode(rv.alias)?.aliasname)
  if (alias !== undefined) acc.rangeNames.add(alias.toLowerCase())
  if (
    schema === undefined &&
    verb === 'select' &&
    acc.cteScopes.some((scope) => (scope.first.get(name) ?? Number.POSITIVE_INFINITY) < scope.visible)
  )
    return
  const temp = schema === undefined && rv.relpersistence === 't'
  // An unqualified catalog relation every server has, read, is the catalog's: pg_catalog is searched first
  // (creating one under that name is refused in `need`, so nothing else can answer to it).
  const catalog = schema === undefined && verb === 'select' && PG_CATALOG_RELATIONS_EVERYWHERE.has(name)
  need(acc, verb, temp ? [`pg_temp.${name}`] : catalog ? [`pg_catalog.${name}`] : objectsFor(schema, name))
}

/** A column reference: the names it uses, whether it is (or may be) a whole row. */
function columnRef(ref: Node, acc: Acc): void {
  const fields = asList(ref.fields).map(unwrap)
  for (const field of fields) {
    if (field?.[0] === 'A_Star') acc.starRef = true
    else if (field?.[0] === 'String') acc.columnNames.add((asString(field[1].sval) ?? '').toLowerCase())
  }
  const only = fields.length === 1 ? fields[0] : undefined
  if (only?.[0] === 'String') acc.bareNames.add((asString(only[1].sval) ?? '').toLowerCase())
  if (acc.projections.has(ref)) return
  const last = fields[fields.length - 1]
  if (last?.[0] === 'A_Star') acc.computedStar = true
  else if (last?.[0] === 'String') acc.computedNames.add((asString(last[1].sval) ?? '').toLowerCase())
  if (only?.[0] === 'String') acc.computedBareNames.add((asString(only[1].sval) ?? '').toLowerCase())
}

/** A function call: any function can write, so each one needs `execute` on it. */
export function funcCall(call: Node, acc: Acc): void {
  const parts = names(call.funcname)
  const name = parts[parts.length - 1] ?? ''
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined
  // Calls the grammar itself writes for SQL syntax (EXTRACT, AT TIME ZONE, SUBSTRING ... FROM) name
  // pg_catalog explicitly, so they cannot resolve to a user function.
  if (!(call.funcformat === 'COERCE_SQL_SYNTAX' && schema === 'pg_catalog')) {
    const builtIn = schema === undefined && PG_CATALOG_FUNCTIONS.has(name)
    need(acc, 'execute', builtIn ? [`pg_catalog.${name}`] : objectsFor(schema, name))
    acc.traits.add('function-call')
    for (const trait of functionTraits(name)) acc.traits.add(trait)
    if (name === 'set_config') setConfigTraits(asList(call.args)[0], acc)
    if (name === 'current_setting') settingRead(asList(call.args)[0], acc)
  }
  walkFields(call, acc, new Set(['funcname']))
}

/** set_config(name, ...) is SET by another spelling; which SET depends on the literal. */
function setConfigTraits(arg: unknown, acc: Acc): void {
  acc.literalSensitive = true
  const setting = constantString(arg)?.toLowerCase()
  if (setting === undefined) {
    fail(acc, 'set_config with a setting name that is not a constant')
    return
  }
  need(acc, 'set', [setting.includes('*') ? '*' : setting])
  settingTraits(setting, acc)
  if (setting === 'standard_conforming_strings' || setting === 'client_encoding') {
    fail(acc, `set_config of ${setting} would make the gateway read SQL differently from the server`)
  }
}

/** current_setting(name) is SHOW by another spelling: it needs `show:<name>`, and `show:*` when the name is
 * not a constant (a column of pg_settings, say), so only settings the grant or the implicit scope lists are
 * read. */
function settingRead(arg: unknown, acc: Acc): void {
  acc.literalSensitive = true
  const setting = constantString(arg)?.toLowerCase()
  need(acc, 'show', [setting === undefined || setting.includes('*') ? '*' : setting])
}

/** Traits for changing a setting by name (SET, set_config). */
export function settingTraits(setting: string, acc: Acc): void {
  if (setting === 'role' || setting === 'session_authorization') acc.traits.add('role-change')
  if (setting === 'search_path') acc.traits.add('search-path-change')
}

/** The value of a constant string or number (possibly cast), else undefined. */
export function constantString(v: unknown): string | undefined {
  const u = unwrap(v)
  if (!u) return undefined
  if (u[0] === 'TypeCast') return constantString(u[1].arg)
  if (u[0] !== 'A_Const') return undefined
  const c = u[1]
  for (const key of ['sval', 'ival', 'fval', 'boolval'] as const) {
    const inner = asNode(c[key])
    if (inner) return String(inner[key] ?? (key === 'ival' ? 0 : key === 'boolval' ? false : ''))
  }
  return undefined
}
