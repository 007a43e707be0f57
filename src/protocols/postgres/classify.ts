// SQL text -> Action, with PostgreSQL's own parser (libpg-query, WASM) and a decision cache in front of it.
//
// A simple-query string may hold several statements: they become ONE Action whose needs and traits are the
// union, so policy allows the string only if it allows every part. Parsing costs ≈86 µs (STACK.md), so
// createClassifier() caches by the literal-free token stream of classify-key.ts; results that depended on a
// literal's value (set_config's setting name, SET client_encoding) are cached by exact text instead, and
// texts that fail to parse are never cached, so a hit gives what a full parse of the same text would.
import { loadModule, parseSync } from 'libpg-query'
import type { Action, ComputedColumns, ScopeEntry } from '../../core/index.ts'
import { withColumnStatistics } from '../kit/column-statistics.ts'
import { cacheKeyOf, exceedsLexerBudget } from './classify-key.ts'
import { dispatchStatement, READ_ONLY_KINDS } from './classify-statements.ts'
import { type Acc, asList, asNode, fail, newAcc, unwrap } from './classify-walk.ts'
import { PG_COLUMN_STATISTICS } from './implicit-catalog.ts'
import { textCarriesSecret, treeCarriesSecret, unparsedCarriesSecret } from './secret-statements.ts'

/** Loads the parser's WASM module (≈120 ms); call once before classifying. */
export async function loadSqlParser(): Promise<void> {
  await loadModule()
}

/** The session's prepared statements (SQL PREPARE and protocol Parse share one namespace in PostgreSQL). */
export type PreparedLookup = (name: string) => Action | undefined

/** An Action plus what the text does to the session's prepared statements, for the session to apply. */
export interface ClassifiedSql {
  action: Action
  /** Statements in the text. */
  statements: number
  /** PREPARE name AS ...: the Action EXECUTE name will need. */
  prepared: { name: string; action: Action }[]
  /** DEALLOCATE name; `*` for DEALLOCATE ALL and DISCARD ALL. */
  deallocated: string[]
  /** The columns the text references (PREPAREd bodies included), for masking to tell what a computed
   * result value may carry. */
  columns?: ColumnReferences
  /** The text runs a prepared statement of the session (`EXECUTE name`): what it means changes when the
   * session's prepared statements do, so a decision on it must not be kept by text. */
  dependsOnPrepared?: boolean
  /** PostgreSQL's parser rejects the text: its message and where, so the client hears 42601 as from the
   * server rather than a policy denial. */
  syntaxError?: ParserError
  /** Whether running it may create, replace, rename or drop a relation (kit/schema-changes.ts): worked out
   * by the session once per classification and kept with it. */
  changesRelations?: boolean
}

/** A parser error: the message PostgreSQL gives and the 0-based character offset it points at. */
export interface ParserError {
  readonly message: string
  readonly cursorPosition: number
}

/** Column names a statement references; `wholeRow` when it references a whole row (`*`, `t.*`, `t`). */
export interface ColumnReferences {
  readonly names: readonly string[]
  readonly wholeRow: boolean
}

/** The cacheable result of one parse: everything except the text and what EXECUTE resolves per session. */
interface Template {
  readonly kind: string
  /** Statements in the text (ClientLimits.maxStatementsPerQuery). */
  readonly statements: number
  readonly needs: readonly ScopeEntry[]
  readonly traits: readonly string[]
  readonly unclassified: string | undefined
  readonly literalSensitive: boolean
  readonly cacheable: boolean
  readonly executes: readonly string[]
  readonly prepares: readonly { name: string; template: Template }[]
  readonly deallocates: readonly string[]
  readonly columns: ColumnReferences
  readonly computesOn: ComputedColumns
  readonly syntaxError?: ParserError
}

// Traits that rule out `read-only` whatever the statement kind.
const NOT_READ_ONLY = [
  'writes',
  'ddl',
  'destructive-ddl',
  'row-lock',
  'table-lock',
  'privilege-change',
  'role-change',
  'system-change',
  'search-path-change',
  'program-execution',
  'server-file',
  'copy-in',
  'do-block',
  'dynamic-sql',
  'unbounded-write',
]

function templateOf(acc: Acc, kinds: string[], cacheable = true): Template {
  const traits = new Set(acc.traits)
  if (kinds.length > 1) traits.add('multi-statement')
  const readOnly =
    acc.unclassified === undefined &&
    kinds.every((k) => READ_ONLY_KINDS.has(k) || k === 'EmptyQuery') &&
    !NOT_READ_ONLY.some((t) => traits.has(t))
  if (readOnly) traits.add('read-only')
  const prepares = acc.prepares.map((p) => ({ name: p.name, template: templateOf(p.acc, [p.kind]) }))
  const names = new Set(acc.columnNames)
  let wholeRow = acc.starRef || [...acc.bareNames].some((n) => acc.rangeNames.has(n))
  const computed = new Set(acc.computedNames)
  let computedWholeRow = acc.computedStar || [...acc.computedBareNames].some((n) => acc.rangeNames.has(n))
  for (const p of prepares) {
    for (const name of p.template.columns.names) names.add(name)
    wholeRow ||= p.template.columns.wholeRow
    for (const name of p.template.computesOn.columns) computed.add(name)
    computedWholeRow ||= p.template.computesOn.wholeRow
  }
  return {
    kind: kinds.join(';'),
    statements: kinds.length,
    // Frozen: materialize hands these very arrays to every text of the template (see there).
    needs: Object.freeze([...acc.needs.values()].map((e) => Object.freeze(e))),
    traits: Object.freeze([...traits]),
    unclassified: acc.unclassified,
    literalSensitive: acc.literalSensitive,
    cacheable,
    executes: acc.executes,
    prepares,
    deallocates: acc.deallocates,
    columns: { names: [...names], wholeRow },
    computesOn: { columns: [...computed], wholeRow: computedWholeRow },
  }
}

function unparsed(reason: string, sql: string, syntaxError?: ParserError): Template {
  const acc = newAcc(dispatchStatement)
  if (unparsedCarriesSecret(sql)) {
    acc.traits.add('contains-secret')
    // The reason is recorded and audited, and the parser's message quotes the text near the error, which may
    // be the secret itself; the client's own error (syntaxError) still shows it to the client that sent it.
    reason = reason.replace(/"[^"]*"?/g, '"***"')
  }
  fail(acc, reason)
  const template = templateOf(acc, ['Unparsed'], false)
  return syntaxError ? { ...template, syntaxError } : template
}

/** The parser's own message and position, when the error is one PostgreSQL's parser gives (libpg-query's
 * SqlError carries them as `sqlDetails`); undefined for anything else, which stays a plain denial. */
function parserErrorOf(error: unknown): ParserError | undefined {
  const details = (error as { sqlDetails?: { message?: unknown; cursorPosition?: unknown } } | null)
    ?.sqlDetails
  if (typeof details?.message !== 'string' || typeof details.cursorPosition !== 'number') return undefined
  return { message: details.message.slice(0, 1024), cursorPosition: details.cursorPosition }
}

function parseTemplate(sql: string): Template {
  if (sql.trim() === '') return templateOf(newAcc(dispatchStatement), ['EmptyQuery'])
  // The wire protocol's strings end at NUL; the WASM parser would silently stop there too.
  if (sql.includes('\0')) return unparsed('the statement contains a NUL character', sql)
  if (exceedsLexerBudget(sql))
    return unparsed('the statement nests comments too deeply to parse in reasonable time', sql)
  let stmts: unknown[]
  try {
    stmts = asList(asNode(parseSync(sql))?.stmts)
  } catch (error) {
    return unparsed(
      `the statement does not parse: ${error instanceof Error ? error.message : String(error)}`,
      sql,
      parserErrorOf(error),
    )
  }
  const acc = newAcc(dispatchStatement)
  const kinds: string[] = []
  try {
    // Before the kinds are dispatched: an unknown kind (CREATE USER MAPPING) is denied, and recorded.
    if (treeCarriesSecret(stmts)) acc.traits.add('contains-secret')
    for (const raw of stmts) {
      const stmt = unwrap(asNode(raw)?.stmt)
      if (!stmt) {
        fail(acc, 'a statement node of unknown shape')
        continue
      }
      kinds.push(stmt[0])
      acc.projectionNext = 'result'
      dispatchStatement(stmt[0], stmt[1], acc)
    }
  } catch (error) {
    // A tree deep enough to exhaust the stack (or a shape we did not foresee) fails closed, uncached.
    return unparsed(
      `the classifier could not walk the statement: ${error instanceof Error ? error.name : 'error'}`,
      sql,
    )
  }
  return templateOf(acc, kinds.length > 0 ? kinds : ['EmptyQuery'])
}

function materialize(t: Template, sql: string, lookup: PreparedLookup | undefined): ClassifiedSql {
  const prepared =
    t.prepares.length === 0
      ? NONE
      : t.prepares.map((p) => ({
          name: p.name,
          action: materialize(p.template, sql, lookup).action,
        }))
  // The template's frozen arrays are shared by every text of its shape (no copy per statement) unless this
  // text adds to them: EXECUTE's statements, or a secret found in a literal.
  let needs = t.needs as ScopeEntry[]
  let traits = t.traits as string[]
  let unclassified = t.unclassified
  let computed: readonly string[] = t.computesOn.columns
  let computedWholeRow = t.computesOn.wholeRow
  if (t.executes.length > 0) {
    needs = [...t.needs]
    const computedSet = new Set(t.computesOn.columns)
    const seen = new Set(needs.map((e) => `${e.verb}:${e.object}`))
    const traitSet = new Set(traits)
    let readOnly = traitSet.has('read-only')
    for (const name of t.executes) {
      // A name PREPAREd in this same string and one already in the session: which one runs depends on
      // statement order and errors, so both must be allowed.
      const candidates = [lookup?.(name), ...prepared.filter((p) => p.name === name).map((p) => p.action)]
      const found = candidates.filter((a) => a !== undefined)
      if (found.length === 0) unclassified ??= `prepared statement "${name}" is not known to this session`
      for (const inner of found) {
        for (const e of inner.needs) {
          const id = `${e.verb}:${e.object}`
          if (!seen.has(id)) needs.push(e)
          seen.add(id)
        }
        for (const trait of inner.traits) traitSet.add(trait)
        for (const name of inner.computesOn?.columns ?? []) computedSet.add(name)
        computedWholeRow ||= inner.computesOn?.wholeRow === true
        readOnly &&= inner.traits.includes('read-only')
        unclassified ??= inner.unclassified
      }
    }
    if (!readOnly || unclassified !== undefined) traitSet.delete('read-only')
    traits = [...traitSet]
    computed = [...computedSet]
  }
  // A literal's value is not in the cached template: a connection string with a password is found per text.
  if (!traits.includes('contains-secret') && textCarriesSecret(sql)) traits = [...traits, 'contains-secret']
  let action: Action = { protocol: 'postgres', kind: t.kind, needs, traits, text: sql }
  if (unclassified !== undefined) action.unclassified = unclassified
  if (computed.length > 0 || computedWholeRow)
    action.computesOn = { columns: [...computed], wholeRow: computedWholeRow }
  action = withColumnStatistics(action, PG_COLUMN_STATISTICS)
  // Field by field: once per statement text, so no temporary objects spread into it.
  const classified: ClassifiedSql = {
    action,
    statements: t.statements,
    prepared,
    deallocated: t.deallocates.length === 0 ? NONE : [...t.deallocates],
    columns: t.columns,
  }
  if (t.executes.length > 0) classified.dependsOnPrepared = true
  if (t.syntaxError) classified.syntaxError = t.syntaxError
  return classified
}

/** Shared by every classification with nothing in a list (frozen, so no holder can add to another's). */
const NONE: never[] = Object.freeze([]) as never[]

/** Classifies a whole query string with a full parse (no cache). Never throws. */
export function classifySql(sql: string, lookup?: PreparedLookup): Action {
  return classifySqlWithEffects(sql, lookup).action
}

export function classifySqlWithEffects(sql: string, lookup?: PreparedLookup): ClassifiedSql {
  return materialize(parseTemplate(sql), sql, lookup)
}

export interface Classifier {
  classify(sql: string, lookup?: PreparedLookup): Action
  classifyWithEffects(sql: string, lookup?: PreparedLookup): ClassifiedSql
  /** Entries in the cache (for metrics and tests). */
  readonly size: number
}

export interface ClassifierOptions {
  /** Cache entries kept (least recently used evicted); default 10 000. */
  maxEntries?: number
  /** Longer texts are parsed every time rather than cached (bulk INSERTs); default 16 384 characters. */
  maxCachedLength?: number
}

// Marks a cache entry whose key's statements depend on literal values; exact-text keys start with EXACT,
// which cacheKeyOf never produces (it refuses control characters and emits \u0001 only).
const SENSITIVE = Symbol('literal-sensitive')
const EXACT = '\u0002'

/** A classifier with an LRU decision cache; one per process is enough (it holds no session state). */
export function createClassifier(options: ClassifierOptions = {}): Classifier {
  const maxEntries = options.maxEntries ?? 10_000
  const maxCachedLength = options.maxCachedLength ?? 16_384
  const cache = new Map<string, Template | typeof SENSITIVE>()
  const get = (key: string) => {
    const entry = cache.get(key)
    // Recency matters only once eviction is near: below half full a hit is one lookup, not three.
    if (entry !== undefined && cache.size > maxEntries >> 1) {
      cache.delete(key)
      cache.set(key, entry)
    }
    return entry
  }
  const set = (key: string, entry: Template | typeof SENSITIVE) => {
    cache.delete(key)
    cache.set(key, entry)
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!)
  }
  const template = (sql: string): Template => {
    // Texts the fresh path refuses before parsing are never keyed, so a hit cannot disagree with it.
    const key = sql.length <= maxCachedLength && !exceedsLexerBudget(sql) ? cacheKeyOf(sql) : undefined
    if (key === undefined) return parseTemplate(sql)
    let entry = get(key)
    const byExactText = entry === SENSITIVE
    if (byExactText) entry = get(EXACT + sql)
    if (entry !== undefined && entry !== SENSITIVE) return entry
    const fresh = parseTemplate(sql)
    if (!fresh.cacheable) return fresh
    if (byExactText || fresh.literalSensitive) {
      if (!byExactText) set(key, SENSITIVE)
      set(EXACT + sql, fresh)
    } else {
      set(key, fresh)
    }
    return fresh
  }
  return {
    classify: (sql, lookup) => materialize(template(sql), sql, lookup).action,
    classifyWithEffects: (sql, lookup) => materialize(template(sql), sql, lookup),
    get size() {
      return cache.size
    },
  }
}
