// SQL text -> Action for MySQL and MariaDB, with sqlparser-rs's MySQL grammar (WASM) behind the lexer of
// classify-lex.ts and a decision cache in front of both.
//
// The parser never sees the client's text: it reads `code`, the lexer's canonical form (executable
// comments unwrapped, strings re-quoted), so what is classified is what the server runs. A text that does
// not lex or parse is unclassified, and policy denies it with the parser's message; guardrail traits the
// token stream shows (LOAD DATA, INTO OUTFILE, HANDLER, PREPARE … FROM, …) are reported either way, so the
// denial names the guardrail too. A text of several statements is one Action: the union of their needs
// and traits (the session splits a COM_QUERY first, query-plan.ts, so this is the refused case).
//
// Cache: parsing costs 27–85 µs (STACK.md), the lexer a few. Texts with the same lexer key differ only in
// the values of literals of the same class, and no decision here reads a literal's value (names are
// identifiers, bounds are structural: classify-bounds.ts), so they share one template; the one decision that
// reads a literal (a client character set name) makes its template uncacheable. Unqualified names
// stay unqualified in the template and take the session's current database when the Action is built.
import type { Action, ScopeEntry } from '../../core/index.ts'
import { withColumnStatistics } from '../kit/column-statistics.ts'
import { computedColumns } from './classify-computed.ts'
import { type LexOptions, lexMysql } from './classify-lex.ts'
import { lexicalTraits } from './classify-lexical-traits.ts'
import { dispatchStatement, READ_ONLY_KINDS } from './classify-statements.ts'
import { type Acc, fail, newAcc, type PendingNeed } from './classify-tree.ts'
import { MYSQL_COLUMN_STATISTICS } from './implicit-scope.ts'
import { loadSqlParser, parseMysqlSql } from './sql-parser.ts'

/** Loads the parser's WASM module; call once before classifying. */
export async function loadMysqlParser(): Promise<void> {
  await loadSqlParser()
}

export interface ClassifyOptions extends LexOptions {
  /** The session's current database (COM_INIT_DB, USE, or the handshake's), for unqualified names. */
  database?: string | undefined
}

/** An Action plus what the text does to the session once the server confirms it. */
export interface ClassifiedSql {
  action: Action
  /** USE db: the session's current database after this text succeeds. */
  usesDatabase?: string
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
  'server-file',
  'client-file',
  'dynamic-sql',
  'handler',
  'unbounded-write',
  'explain-analyze',
  'sql-mode-change',
]

interface Template {
  readonly kind: string
  readonly needs: readonly PendingNeed[]
  readonly traits: readonly string[]
  readonly unclassified: string | undefined
  readonly usesDatabase: string | undefined
  readonly cacheable: boolean
  /** Columns the statement computes on (classify-computed.ts), for masking rules. */
  readonly computesOn?: { readonly columns: readonly string[]; readonly wholeRow: boolean }
}

function templateOf(acc: Acc, kinds: string[], cacheable = true): Template {
  const traits = acc.traits
  if (kinds.length > 1) traits.add('multi-statement')
  const readOnly =
    acc.unclassified === undefined &&
    kinds.every((k) => READ_ONLY_KINDS.has(k) || k.startsWith('Show')) &&
    !NOT_READ_ONLY.some((t) => traits.has(t))
  if (readOnly) traits.add('read-only')
  return {
    kind: kinds.join(';'),
    needs: [...acc.needs.values()],
    traits: [...traits],
    unclassified: acc.unclassified,
    usesDatabase: acc.usesDatabase,
    cacheable,
  }
}

function parseTemplate(code: string, lexTraits: Set<string>): Template {
  const acc = newAcc()
  for (const t of lexTraits) acc.traits.add(t)
  if (code === '') return templateOf(acc, ['EmptyQuery'])
  let statements: unknown[]
  try {
    statements = parseMysqlSql(code)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    fail(acc, `the statement does not parse: ${message}${rewriteHint(code)}`)
    return templateOf(acc, ['Unparsed'], false)
  }
  const kinds: string[] = []
  try {
    for (const statement of statements) kinds.push(dispatchStatement(statement, acc))
  } catch (error) {
    // A shape the handlers did not foresee fails closed, uncached.
    fail(acc, `the classifier could not walk the statement: ${error instanceof Error ? error.name : 'error'}`)
    return templateOf(acc, ['Unparsed'], false)
  }
  const template = templateOf(acc, kinds.length > 0 ? kinds : ['EmptyQuery'], acc.readsLiteral !== true)
  const { byPosition, ...computesOn } = computedColumns(statements)
  const decided = byPosition ? { ...template, cacheable: false } : template
  return computesOn.columns.length > 0 || computesOn.wholeRow ? { ...decided, computesOn } : decided
}

/** MySQL forms the grammar does not read, with the equivalent it does (a hint in the denial only: the
 * text is never rewritten, so what is decided is what the client sent). */
function rewriteHint(code: string): string {
  const upper = code.toUpperCase()
  if (upper.startsWith('TABLE ')) return ' (write TABLE t as SELECT * FROM t)'
  const set = upper.indexOf(' SET ')
  if (upper.startsWith('UPDATE ') && set > 0 && upper.slice(0, set).includes(','))
    return ' (write a multi-table UPDATE as UPDATE t1 JOIN t2 ON … SET …)'
  return ''
}

function materialize(t: Template, sql: string, database: string | undefined): ClassifiedSql {
  let unclassified = t.unclassified
  const needs: ScopeEntry[] = []
  for (const n of t.needs) {
    if (n.schema === '') {
      needs.push({ verb: n.verb, object: n.name })
      continue
    }
    const schema = n.schema ?? database?.toLowerCase()
    if (schema === undefined) {
      unclassified ??= `"${n.name}" names no database and none is selected`
      continue
    }
    needs.push({ verb: n.verb, object: `${schema}.${n.name}` })
  }
  let action: Action = { protocol: 'mysql', kind: t.kind, needs, traits: [...t.traits], text: sql }
  if (unclassified !== undefined) action.unclassified = unclassified
  if (t.computesOn !== undefined) action.computesOn = t.computesOn
  action = withColumnStatistics(action, MYSQL_COLUMN_STATISTICS)
  return t.usesDatabase === undefined ? { action } : { action, usesDatabase: t.usesDatabase }
}

function classifyFresh(
  sql: string,
  options: ClassifyOptions,
): { template: Template; key: string | undefined } {
  const lexed = lexMysql(sql, options)
  const traits = lexicalTraits(lexed.tokens)
  if (lexed.error !== undefined) {
    const acc = newAcc()
    for (const t of traits) acc.traits.add(t)
    fail(acc, `the statement does not lex: ${lexed.error}`)
    return { template: templateOf(acc, ['Unparsed'], false), key: undefined }
  }
  return { template: parseTemplate(lexed.code, traits), key: lexed.key }
}

/** Classifies a text with a full parse (no cache). Never throws. */
export function classifyMysql(sql: string, options: ClassifyOptions = {}): ClassifiedSql {
  return materialize(classifyFresh(sql, options).template, sql, options.database)
}

export interface MysqlClassifier {
  classify(sql: string, options?: ClassifyOptions): ClassifiedSql
  /** Entries in the cache (for metrics and tests). */
  readonly size: number
}

export interface MysqlClassifierOptions {
  /** Cache entries kept (least recently used evicted); default 10 000. */
  maxEntries?: number
  /** Longer texts are classified every time rather than cached (bulk INSERTs); default 16 384 characters. */
  maxCachedLength?: number
}

/** A classifier with an LRU decision cache; it holds no session state, so one per process serves all. */
export function createMysqlClassifier(options: MysqlClassifierOptions = {}): MysqlClassifier {
  const maxEntries = options.maxEntries ?? 10_000
  const maxCachedLength = options.maxCachedLength ?? 16_384
  const cache = new Map<string, Template>()
  const template = (sql: string, o: ClassifyOptions): Template => {
    if (sql.length > maxCachedLength) return classifyFresh(sql, o).template
    const lexed = lexMysql(sql, o)
    // The lexer's modes change what a text means, so they are part of the key.
    const key =
      lexed.error === undefined
        ? `${o.noBackslashEscapes ? 1 : 0}${o.ansiQuotes ? 1 : 0}${lexed.key}`
        : undefined
    const hit = key === undefined ? undefined : cache.get(key)
    if (hit !== undefined) {
      cache.delete(key!)
      cache.set(key!, hit)
      return hit
    }
    const fresh =
      lexed.error === undefined
        ? parseTemplate(lexed.code, lexicalTraits(lexed.tokens))
        : classifyFresh(sql, o).template
    if (key !== undefined && fresh.cacheable) {
      cache.set(key, fresh)
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!)
    }
    return fresh
  }
  return {
    classify: (sql, o = {}) => materialize(template(sql, o), sql, o.database),
    get size() {
      return cache.size
    },
  }
}
