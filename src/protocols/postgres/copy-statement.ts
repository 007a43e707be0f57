// What a COPY ... TO STDOUT writes, from its text (sql-copy.html): the table and columns, or the query, and
// the format options that say how to read its rows. Uses the classifier's parser (loaded at listen).
import { parseSync, scanSync } from 'libpg-query'
import { type CopyTextOptions, CSV_DEFAULTS, TEXT_DEFAULTS } from './wire/copy-rows.ts'

export interface CopyTo {
  /** `"schema"."table"` as written (quoted for regclass), or undefined for COPY (query). */
  relation?: string
  columns?: string[]
  /** The text of the query of COPY (query) TO. */
  query?: string
  binary: boolean
  header: boolean
  /** An ENCODING option other than UTF8: values are not readable as UTF-8. */
  foreignEncoding: boolean
  options: CopyTextOptions
}

type Node = Record<string, unknown>

/** Every COPY TO of a statement text in order (an entry is undefined where one cannot be described), from
 * one parse; undefined when the text does not parse. */
export function copiesTo(text: string): Array<CopyTo | undefined> | undefined {
  let stmts: Array<{ stmt?: Node; stmt_location?: number; stmt_len?: number }>
  try {
    stmts = (parseSync(text) as { stmts?: typeof stmts }).stmts ?? []
  } catch {
    return undefined
  }
  const bytes = Buffer.from(text, 'utf8')
  const copies: Array<CopyTo | undefined> = []
  for (const s of stmts) {
    const copy = s.stmt?.CopyStmt as Node | undefined
    if (copy === undefined || copy.is_from === true) continue
    const start = s.stmt_location ?? 0
    const stmtText = bytes.toString('utf8', start, s.stmt_len ? start + s.stmt_len : bytes.length)
    copies.push(describeCopy(copy, stmtText))
  }
  return copies
}

function describeCopy(copy: Node, stmtText: string): CopyTo | undefined {
  const opts = new Map<string, unknown>()
  for (const o of (copy.options as Node[] | undefined) ?? []) {
    const d = o.DefElem as { defname: string; arg?: Node }
    opts.set(d.defname, d.arg === undefined ? true : argValue(d.arg))
  }
  const format = String(opts.get('format') ?? 'text').toLowerCase()
  const csv = format === 'csv'
  const base = csv ? CSV_DEFAULTS : TEXT_DEFAULTS
  const char = (name: string, fallback: number) => {
    const v = opts.get(name)
    return typeof v === 'string' && v.length > 0 ? Buffer.from(v, 'utf8')[0]! : fallback
  }
  const quote = char('quote', base.quote)
  const nullOpt = opts.get('null')
  const encoding = opts.get('encoding')
  const out: CopyTo = {
    binary: format === 'binary',
    header: isTrue(opts.get('header')),
    foreignEncoding:
      typeof encoding === 'string' && !['utf8', 'utf-8', 'unicode'].includes(encoding.toLowerCase()),
    options: {
      csv,
      delimiter: char('delimiter', base.delimiter),
      nullString: typeof nullOpt === 'string' ? nullOpt : base.nullString,
      quote,
      escape: char('escape', quote),
    },
  }
  const relation = copy.relation as { schemaname?: string; relname: string } | undefined
  if (relation !== undefined) {
    out.relation = [relation.schemaname, relation.relname]
      .filter((p): p is string => p !== undefined)
      .map((p) => `"${p.replaceAll('"', '""')}"`)
      .join('.')
    const attlist = copy.attlist as Array<{ String: { sval: string } }> | undefined
    if (attlist?.length) out.columns = attlist.map((a) => a.String.sval)
    return out
  }
  const query = innerQuery(stmtText)
  if (query === undefined) return undefined
  out.query = query
  return out
}

/** The text between `COPY (` and its matching `)`, found with PostgreSQL's own lexer. */
function innerQuery(stmtText: string): string | undefined {
  const tokens = scanSync(stmtText).tokens
  if (tokens[1]?.text !== '(') return undefined
  let depth = 0
  const bytes = Buffer.from(stmtText, 'utf8')
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!.text
    if (t === '(') depth++
    else if (t === ')' && --depth === 0) return bytes.toString('utf8', tokens[1]!.end, tokens[i]!.start)
  }
  return undefined
}

function argValue(arg: Node): unknown {
  if (arg.String) return (arg.String as { sval: string }).sval
  if (arg.Boolean) return (arg.Boolean as { boolval?: boolean }).boolval === true
  if (arg.Integer) return (arg.Integer as { ival?: number }).ival ?? 0
  if (arg.A_Star) return '*'
  return arg
}

function isTrue(v: unknown): boolean {
  if (v === true) return true
  if (typeof v === 'number') return v !== 0
  return typeof v === 'string' && ['true', 'on', '1', 'match'].includes(v.toLowerCase())
}
