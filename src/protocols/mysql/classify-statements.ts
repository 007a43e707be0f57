// Statement kinds the MySQL classifier understands, each with what it needs and which traits it carries.
// A whitelist: any other kind makes the Action unclassified, and policy denies it (fail closed).
import { del, insert, update } from './classify-dml.ts'
import { walkReferences } from './classify-references.ts'
import {
  type Acc,
  asList,
  asNode,
  asString,
  fail,
  type Node,
  nameParts,
  need,
  needDatabase,
  needGlobal,
  variant,
} from './classify-tree.ts'

type Handler = (body: Node, acc: Acc) => void

/** Kinds that only read (with no trait that says otherwise, see classify.ts). */
export const READ_ONLY_KINDS = new Set([
  'Query',
  'ExplainTable',
  'Explain',
  'Use',
  'StartTransaction',
  'Commit',
  'Rollback',
  'Savepoint',
  'ReleaseSavepoint',
  'Set',
  'Deallocate',
  'UnlockTables',
])

/** Statements a query may wrap (`WITH … UPDATE …` parses as a query whose body is the UPDATE). */
const DATA_MODIFYING = new Set(['Insert', 'Update', 'Delete', 'Merge'])

const select: Handler = (body, acc) => {
  const inner = variant(body.body)
  if (inner && DATA_MODIFYING.has(inner[0])) {
    // The CTEs are read; the statement is the one the query wraps, with every need and trait of its own.
    walkReferences({ with: body.with, body: null }, 'select', acc)
    dispatchStatement((body.body as Node)[inner[0]], acc)
    return
  }
  walkReferences(body, 'select', acc)
  if (asList(body.locks).length > 0) acc.traits.add('row-lock')
}

const ddl =
  (verb: string, nameKey: string, more?: Handler): Handler =>
  (body, acc) => {
    acc.traits.add('ddl')
    need(acc, verb, nameParts(body[nameKey]))
    more?.(body, acc)
  }

const drop: Handler = (body, acc) => {
  acc.traits.add('ddl').add('destructive-ddl')
  const type = asString(body.object_type) ?? ''
  for (const name of asList(body.names)) {
    const parts = nameParts(name)
    if (type === 'Database' || type === 'Schema') needDatabase(acc, 'drop', parts?.[0] ?? '')
    else if (type === 'Index') need(acc, 'alter', nameParts(body.table))
    else need(acc, 'drop', parts)
  }
}

const truncate: Handler = (body, acc) => {
  acc.traits.add('ddl').add('destructive-ddl').add('writes').add('unbounded-write')
  for (const t of asList(body.table_names)) need(acc, 'truncate', nameParts(asNode(t)?.name))
}

const alterTable: Handler = (body, acc) => {
  acc.traits.add('ddl')
  need(acc, 'alter', nameParts(body.name))
  walkReferences(body.operations, 'select', acc)
  for (const op of asList(body.operations)) {
    const [kind, opBody] = variant(op) ?? ['', {}]
    if (kind.startsWith('Drop')) acc.traits.add('destructive-ddl')
    // A masking rule names a column (and may name its table): renamed, the column would leave the rule.
    if (kind === 'RenameColumn' || kind === 'RenameTable' || renamesColumn(kind, opBody))
      acc.traits.add('renames')
    if (kind === 'RenameTable') {
      // ALTER TABLE a RENAME TO b: `a` goes away as RENAME TABLE a TO b would make it.
      const to = asNode(opBody.table_name)
      need(acc, 'drop', nameParts(body.name))
      need(acc, 'create', nameParts(to?.To ?? to?.As ?? opBody.table_name))
    }
  }
}

/** ALTER TABLE ... CHANGE old new type: a rename unless the two names are one. */
function renamesColumn(kind: string, op: Node): boolean {
  if (kind !== 'ChangeColumn') return false
  const from = asNode(op.old_name)?.value
  const to = asNode(op.new_name)?.value
  return typeof from !== 'string' || typeof to !== 'string' || from.toLowerCase() !== to.toLowerCase()
}

const renameTable = (body: unknown, acc: Acc) => {
  acc.traits.add('ddl').add('renames')
  for (const pair of asList(body)) {
    const p = asNode(pair) ?? {}
    need(acc, 'alter', nameParts(p.old_name))
    need(acc, 'drop', nameParts(p.old_name))
    need(acc, 'create', nameParts(p.new_name))
  }
}

/** SET name = value: a system variable needs set:<name>; a user variable (@x) needs nothing. */
function setVariable(parts: string[] | undefined, scope: unknown, values: unknown, acc: Acc): void {
  if (parts === undefined) {
    fail(acc, 'a SET of unexpected shape')
    return
  }
  const [first, ...rest] = parts.map((p) => p.toLowerCase())
  if (first!.startsWith('@') && !first!.startsWith('@@')) return
  let name = first!.replace(/^@@/, '')
  let global = scope === 'Global'
  if (['global', 'session', 'local', 'persist', 'persist_only'].includes(name) && rest.length > 0) {
    global ||= name !== 'session' && name !== 'local'
    name = rest.join('.')
  }
  if (global) acc.traits.add('system-change')
  // Read from the parse tree too: the lexical scan sees `sql_mode` quoted (SET `sql_mode` = …) as another word.
  if (name === 'sql_mode') acc.traits.add('sql-mode-change')
  if (name === 'character_set_client') readableCharset(valueText(values), acc)
  // Results and their column definitions come in this character set: in utf16 or utf32 the gateway reads
  // neither the column names masking rules match nor the values (a masked column went out in the clear).
  // NULL (no conversion, metadata in utf8) is what drivers send.
  if (name === 'character_set_results' && !isNull(values)) readableCharset(valueText(values), acc, 'result')
  needGlobal(acc, 'set', name)
}

/** Client character sets in which a byte below 0x80 is always itself: the gateway decodes statement text
 * as UTF-8, which agrees with the server's lexer on every quote and backslash only for these. In big5,
 * cp932, gbk, gb18030 and sjis the second byte of a character may be 0x5c (a backslash to the gateway, not
 * to the server): `'\xbf\x5c'` would end a string for the server where the gateway reads on. */
const READABLE_CHARSETS = new Set(['utf8', 'utf8mb3', 'utf8mb4', 'latin1', 'ascii', 'binary'])

function readableCharset(name: string | undefined, acc: Acc, what: 'client' | 'result' = 'client'): void {
  acc.readsLiteral = true
  if (name !== undefined && READABLE_CHARSETS.has(name.toLowerCase())) return
  const reads = what === 'client' ? 'statements' : 'results'
  fail(
    acc,
    `the ${what} character set ${name ?? '(an expression)'} is not one the gateway reads ${reads} in; use utf8mb4 (or latin1, ascii, binary)`,
  )
}

const isNull = (values: unknown): boolean =>
  asNode(asList(values)[0])?.Value !== undefined && asNode(asNode(asList(values)[0])?.Value)?.value === 'Null'

/** The single value of a SET assignment when it is a literal name or string. */
function valueText(values: unknown): string | undefined {
  const [value] = asList(values)
  const node = asNode(value)
  const literal = asNode(asNode(node?.Value)?.value)
  return asString(literal?.SingleQuotedString) ?? asString(asNode(node?.Identifier)?.value)
}

const set: Handler = (body, acc) => {
  // A value may read tables: SET @x = (SELECT secret FROM vault.keys).
  walkReferences(body, 'select', acc)
  const [kind, inner] = variant(body) ?? ['', {}]
  if (kind === 'SingleAssignment')
    return setVariable(nameParts(inner.variable), inner.scope, inner.values, acc)
  if (kind === 'MultipleAssignments') {
    for (const a of asList(inner.assignments))
      setVariable(nameParts(asNode(a)?.name), asNode(a)?.scope, [asNode(a)?.value], acc)
    return
  }
  if (kind === 'SetNames') readableCharset(asString(asNode(inner.charset_name)?.value), acc)
  if (kind === 'SetNames' || kind === 'SetNamesDefault') return needGlobal(acc, 'set', 'names')
  if (kind === 'SetTimeZone') return needGlobal(acc, 'set', 'time_zone')
  if (kind === 'SetTransaction') return transactionModes(inner.modes, acc)
  fail(acc, `SET ${kind} is not supported by the gateway`)
}

function transactionModes(modes: unknown, acc: Acc): void {
  needGlobal(acc, 'transaction', '*')
  for (const mode of asList(modes)) {
    if (asNode(mode)?.AccessMode === 'ReadWrite') needGlobal(acc, 'transaction', 'read-write')
  }
}

/** SHOWs that read other sessions' statements or the data they changed (the PROCESS and REPLICATION
 * privileges' statements), by the words they start with: never implied (implicit-scope.ts `except`), so a
 * target account that may see every session does not show them to a grant that names none of it. */
const ACTIVITY_SHOWS: [string[], string][] = [
  [['ENGINE'], 'engine'],
  [['BINLOG'], 'binlog'],
  [['RELAYLOG'], 'binlog'],
  [['EXPLAIN'], 'processlist'],
  [['ANALYZE'], 'processlist'],
]

const show: Handler = (body, acc) => {
  // SHOW … WHERE may hold a subquery.
  walkReferences(body, 'select', acc)
  const table = nameParts(body.obj_name) ?? nameParts(asNode(asNode(body.show_options)?.show_in)?.parent_name)
  if (table !== undefined && body.obj_name !== undefined) need(acc, 'show', table)
  else needGlobal(acc, 'show', '*')
}

/** SHOW forms the grammar does not know parse as ShowVariable: the words of the statement, with its
 * parentheses, literals and operators dropped. A filter there (`SHOW TABLE STATUS WHERE (SELECT …) …`) would
 * run a subquery nobody decided, so a WHERE or SELECT among the words fails closed. */
const showWords = (body: Node, acc: Acc) => {
  const words = asList(body.variable).map((w) => (asString(asNode(w)?.value) ?? '').toUpperCase())
  if (words.includes('WHERE') || words.includes('SELECT'))
    return fail(
      acc,
      'a filter or subquery in a SHOW form the gateway does not parse: query information_schema instead',
    )
  const activity = ACTIVITY_SHOWS.find(([start]) => start.every((w, i) => words[i] === w))
  if (activity) return needGlobal(acc, 'show', activity[1])
  needGlobal(acc, 'show', '*')
}

const use: Handler = (body, acc) => {
  const [, inner] = variant(body) ?? ['', {}]
  const parts = nameParts(Array.isArray(body.Object) ? body.Object : inner)
  const database = parts?.length === 1 ? parts[0] : undefined
  if (database === undefined) return fail(acc, 'a USE of unexpected shape')
  acc.usesDatabase = database
}

const explain: Handler = (body, acc) => {
  acc.traits.add('explain')
  // EXPLAIN ANALYZE (MariaDB: ANALYZE) runs the statement; plain EXPLAIN still needs what it would, so a
  // plan cannot probe tables the grant does not cover.
  if (body.analyze === true) acc.traits.add('explain-analyze')
  dispatchStatement(body.statement, acc)
}

const HANDLERS: Record<string, Handler> = {
  Query: select,
  Insert: insert,
  Update: update,
  Delete: del,
  Drop: drop,
  Truncate: truncate,
  CreateTable: ddl('create', 'name', (body, acc) => {
    walkReferences(body.query, 'select', acc)
    if (body.like !== undefined && body.like !== null) walkReferences(body.like, 'select', acc)
  }),
  CreateView: ddl('create', 'name', (body, acc) => walkReferences(body.query, 'select', acc)),
  CreateIndex: ddl('alter', 'table_name'),
  CreateDatabase: (body, acc) => {
    acc.traits.add('ddl')
    needDatabase(acc, 'create', nameParts(body.db_name)?.[0] ?? '')
  },
  AlterTable: alterTable,
  StartTransaction: (body, acc) => transactionModes(body.modes, acc),
  Commit: (_, acc) => needGlobal(acc, 'transaction', '*'),
  Rollback: (_, acc) => needGlobal(acc, 'transaction', '*'),
  Savepoint: (_, acc) => needGlobal(acc, 'transaction', '*'),
  ReleaseSavepoint: (_, acc) => needGlobal(acc, 'transaction', '*'),
  Set: set,
  ExplainTable: (body, acc) => need(acc, 'show', nameParts(body.table_name)),
  Explain: explain,
  Use: use,
  Call: (body, acc) => {
    need(acc, 'execute', nameParts(body.name))
    walkReferences(body.args, 'select', acc)
  },
  Execute: (_, acc) => {
    acc.traits.add('dynamic-sql')
    fail(acc, 'SQL-level EXECUTE runs a PREPARE … FROM text, which the gateway does not allow')
  },
  Deallocate: (_, acc) => needGlobal(acc, 'deallocate', '*'),
  Kill: (_, acc) => needGlobal(acc, 'kill', '*'),
  Flush: (_, acc) => {
    acc.traits.add('system-change')
    needGlobal(acc, 'flush', '*')
  },
  LockTables: (body, acc) => {
    acc.traits.add('table-lock')
    for (const t of asList(body.tables)) need(acc, 'lock', nameParts([asNode(t)?.table]))
  },
  UnlockTables: () => {},
  Grant: (_, acc) => {
    acc.traits.add('privilege-change')
    needGlobal(acc, 'grant', '*')
  },
  Revoke: (_, acc) => {
    acc.traits.add('privilege-change')
    needGlobal(acc, 'grant', '*')
  },
}

for (const kind of ['CreateUser', 'DropUser', 'AlterUser', 'CreateRole', 'DropRole', 'AlterRole']) {
  HANDLERS[kind] = (_, acc) => {
    acc.traits.add('role-change').add('privilege-change')
    needGlobal(acc, 'grant', '*')
  }
}

/** Classifies one statement node into `acc`; returns its kind. */
export function dispatchStatement(statement: unknown, acc: Acc): string {
  const v = variant(statement)
  if (!v) {
    fail(acc, 'a statement of unknown shape')
    return 'Unknown'
  }
  const [kind, body] = v
  if (kind === 'RenameTable') renameTable((statement as Node).RenameTable, acc)
  else if (kind === 'ShowVariable') showWords(body, acc)
  else if (kind === 'ShowProcessList') needGlobal(acc, 'show', 'processlist')
  else if (kind.startsWith('Show')) show(body, acc)
  else {
    const handler = HANDLERS[kind]
    if (handler) handler(body, acc)
    else fail(acc, `${kind} statements are not supported by the gateway`)
  }
  return kind
}
