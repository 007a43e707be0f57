import { globMatches } from '../glob-match.ts'
import { LinearRegExp } from '../linear-regexp.ts'

/** A column as a result describes it. `table` is `schema.table` or `table` when the protocol knows it. */
export interface ColumnRef {
  name: string
  table?: string
}

/**
 * A compiled column pattern. Globs (`*`, `?`, case-insensitive, as PostgreSQL folds identifiers) name a
 * column, `table.column` or `schema.table.column`; `/regex/flags` is tested on the bare name and on the
 * qualified name. A qualified pattern also matches a column whose table is unknown: masking fails closed.
 */
export interface ColumnPattern {
  readonly source: string
  matchesColumn(column: ColumnRef): boolean
  /** Whether the pattern can name a key inside a JSON document: unqualified globs and regexes. */
  readonly namesKeys: boolean
  matchesKey(key: string): boolean
  /** For a JSON-path pattern (`$.customer.email`, `$.items[*].card`): whether it names the value at `path`
   * (written the same way, array elements as `[*]`). Absent on column patterns. */
  readonly matchesPath?: (path: string) => boolean
}

export function compileColumnPattern(source: string): ColumnPattern {
  if (source.startsWith('$.') || source.startsWith('$[')) return jsonPathPattern(source)
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(source)
  if (regex)
    return regexPattern(
      source,
      new LinearRegExp(regex[1]!, regex[2]!.replaceAll('g', '').replaceAll('y', '')),
    )
  return globPattern(source)
}

/** A value inside JSON documents (HTTP bodies, json/jsonb columns) by its path from the root, e.g.
 * `$.customer.email`, `$.items[*].card`, `$.*.ssn`: `*` matches any run of characters (dots included), keys
 * match case-sensitively as JSON has them. It names no column and no bare key. */
function jsonPathPattern(source: string): ColumnPattern {
  return {
    source,
    namesKeys: false,
    matchesColumn: () => false,
    matchesKey: () => false,
    matchesPath: (path) => globMatches(source, path),
  }
}

/** Column names are short, JSON keys need not be: the pattern runs on the linear-time engine. */
function regexPattern(source: string, re: LinearRegExp): ColumnPattern {
  return {
    source,
    namesKeys: true,
    matchesColumn: (column) =>
      re.test(column.name) || (column.table !== undefined && re.test(`${column.table}.${column.name}`)),
    matchesKey: (key) => re.test(key),
  }
}

function globPattern(source: string): ColumnPattern {
  const segments = source.split('.').map(globMatcher)
  const column = segments[segments.length - 1]!
  const table = segments.length >= 2 ? segments[segments.length - 2] : undefined
  const schema = segments.length === 3 ? segments[0] : undefined
  return {
    source,
    namesKeys: table === undefined,
    matchesColumn(ref) {
      if (!column(ref.name)) return false
      if (table === undefined || ref.table === undefined) return true
      const dot = ref.table.lastIndexOf('.')
      if (!table(dot === -1 ? ref.table : ref.table.slice(dot + 1))) return false
      return schema === undefined || dot === -1 || schema(ref.table.slice(0, dot))
    },
    matchesKey: (key) => table === undefined && column(key),
  }
}

/** Column names and JSON keys come from clients (`select 1 as aaaa…`), so globs match in linear time
 * (globMatches), case-insensitively as PostgreSQL folds identifiers. */
function globMatcher(glob: string): (name: string) => boolean {
  const folded = glob.toLowerCase()
  return (name) => globMatches(folded, name.toLowerCase(), '?')
}
