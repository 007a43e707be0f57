// One pass over a MySQL statement text with the server's lexical rules (sql/sql_lex.cc), before any parse:
//
// - Executable comments `/*! … */`, `/*!50001 … */`, `/*M! … */`, `/*M!100100 … */` are code: MariaDB and
//   MySQL run their content (when the server is at least the given version; we always treat it as code,
//   which can only make the gateway stricter). Parsers read some of them as comments (sqlparser-rs drops
//   `/*M!…*/`), so the parser is never given the client's text: it gets `code`, a canonical text in which
//   comments are gone, executable comments are unwrapped, and every string literal is re-quoted in one
//   unambiguous form. What the parser reads is then what the server runs, whatever the session's sql_mode.
// - Strings: `'…'` and (unless ANSI_QUOTES) `"…"`, with backslash escapes unless NO_BACKSLASH_ESCAPES;
//   both modes change where a string ends, so they are inputs here (the session learns
//   NO_BACKSLASH_ESCAPES from the server's status flags, ANSI_QUOTES from sql_mode).
// - `-- ` starts a comment only when followed by whitespace or a control character (`--1` is minus minus 1);
//   `#` comments run to the end of the line.
// - `key` is the decision-cache key: `code` with the value of every string and number replaced by a marker,
//   so texts that differ only in literal values share one decision (classify.ts explains why that is safe).
// Texts this pass is not sure about (unterminated string, comment or identifier, NUL) are reported as
// `error`, and the caller denies them.

export interface LexOptions {
  /** sql_mode NO_BACKSLASH_ESCAPES: a backslash in a string is an ordinary character. */
  noBackslashEscapes?: boolean
  /** sql_mode ANSI_QUOTES: `"…"` quotes an identifier, not a string. */
  ansiQuotes?: boolean
}

/** A token the guardrail scan reads: a bare word (upper-cased), or one punctuation character. */
export type Token = { word: string } | { punct: string } | { literal: 'string' | 'number' }

export interface Lexed {
  code: string
  key: string
  tokens: Token[]
  /** Where each `;` that ends a statement is in the client's text (statement-splitter.ts). */
  semicolons: number[]
  error?: string
}

const MARK = '\u0001'
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13)
const isDigit = (c: number) => c >= 48 && c <= 57
/** MySQL identifiers: [0-9a-zA-Z$_] and any non-ASCII character (dev.mysql.com/doc/refman/8.0/en/identifiers.html). */
const isIdentChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 36 || c >= 128
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const HEX_OR_BIT_NUMBER = /^(?:0x[0-9a-fA-F]+|0b[01]+)$/
/** The version number that may follow `/*!` or `/*M!` (5 or 6 digits). */
const VERSION = /\d{5,6}/y

/** Unescapes a string body by the server's rules (dev.mysql.com/doc/refman/8.0/en/string-literals.html). */
const ESCAPES: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a' }

export function lexMysql(sql: string, options: LexOptions = {}): Lexed {
  const out: Lexed = { code: '', key: '', tokens: [], semicolons: [] }
  // Whether `code` ends with a space, kept aside: asking the growing string itself flattens it each time,
  // which made lexing quadratic in the text's length (a 256 KiB INSERT took seconds).
  let spaceAtEnd = false
  const emit = (code: string, key = code) => {
    out.code += code
    out.key += key
    spaceAtEnd = code.endsWith(' ')
  }
  if (sql.includes('\0')) return { ...out, error: 'the statement contains a NUL character' }
  let inExecutable = false
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql.charCodeAt(i)
    const next = sql.charCodeAt(i + 1)
    if (isSpace(c)) {
      i++
      if (!spaceAtEnd) emit(' ')
    } else if (c === 47 && next === 42) {
      // `/*!`, `/*M!`: the comment markers go, the content stays code. `/*+ hints */` and others: a comment.
      const bang = sql[i + 2] === '!' ? i + 3 : sql.startsWith('M!', i + 2) ? i + 4 : -1
      if (bang >= 0) {
        if (inExecutable) return { ...out, error: 'executable comments nest' }
        VERSION.lastIndex = bang
        i = VERSION.test(sql) ? VERSION.lastIndex : bang
        inExecutable = true
        emit(' ')
        continue
      }
      // Servers disagree on a comment inside an executable one (which `*/` ends which): refuse it.
      if (inExecutable) return { ...out, error: 'a comment inside an executable comment' }
      const end = sql.indexOf('*/', i + 2)
      if (end < 0) return { ...out, error: 'an unterminated comment' }
      i = end + 2
      emit(' ')
    } else if (c === 42 && next === 47 && inExecutable) {
      inExecutable = false
      i += 2
      emit(' ')
    } else if (c === 35 || (c === 45 && next === 45 && (i + 2 >= n || sql.charCodeAt(i + 2) <= 32))) {
      while (i < n && sql.charCodeAt(i) !== 10) i++
      emit(' ')
    } else if (c === 39 || (c === 34 && !options.ansiQuotes)) {
      const s = readString(sql, i, options)
      if (s === undefined) return { ...out, error: 'an unterminated string' }
      emit(quoteForParser(s.value), `${MARK}s`)
      out.tokens.push({ literal: 'string' })
      i = s.end
    } else if (c === 96 || c === 34) {
      const q = readQuotedIdentifier(sql, i)
      if (q === undefined) return { ...out, error: 'an unterminated quoted identifier' }
      const text = `\`${q.value.replaceAll('`', '``')}\``
      emit(text)
      out.tokens.push({ word: `\`${q.value}` })
      i = q.end
    } else if (isIdentChar(c) || (c === 46 && isDigit(next) && !isIdentChar(sql.charCodeAt(i - 1)))) {
      i = readWordOrNumber(sql, i, out)
      spaceAtEnd = false
    } else if (c === 64) {
      // @var, @@var, @@global.var, @'quoted' (the quoted form is handled as @ then a string).
      let j = i + 1
      if (sql.charCodeAt(j) === 64) j++
      while (j < n && (isIdentChar(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) j++
      const word = sql.slice(i, j)
      emit(word)
      out.tokens.push({ word: word.toUpperCase() })
      i = j
    } else if (c < 32 || c === 127) {
      return { ...out, error: 'the statement contains a control character' }
    } else {
      const ch = sql[i]!
      if (ch === ';') {
        // Whether a `;` in an executable comment ends the statement depends on the server's version check.
        if (inExecutable) return { ...out, error: 'a ; inside an executable comment' }
        out.semicolons.push(i)
      }
      emit(ch)
      out.tokens.push({ punct: ch })
      i++
    }
  }
  if (inExecutable) return { ...out, error: 'an unterminated executable comment' }
  out.code = out.code.trim()
  out.key = out.key.trim()
  return out
}

/** A bare word, or a number (abstracted in the key unless it qualifies a name, as in `db.1t`). */
function readWordOrNumber(sql: string, start: number, out: Lexed): number {
  // A leading `.` (as in `.5`) belongs to the number; every call consumes at least one character.
  let j = start + 1
  while (j < sql.length) {
    const d = sql.charCodeAt(j)
    const exponentSign = (d === 43 || d === 45) && /^(?:\d+\.?\d*|\.\d+)[eE]$/.test(sql.slice(start, j))
    if (isIdentChar(d) || exponentSign || (d === 46 && /^\d+$/.test(sql.slice(start, j)))) j++
    else break
  }
  const text = sql.slice(start, j)
  const qualifies = sql.charCodeAt(start - 1) === 46
  if ((NUMBER.test(text) || HEX_OR_BIT_NUMBER.test(text)) && !qualifies) {
    out.code += text
    out.key += `${MARK}${HEX_OR_BIT_NUMBER.test(text) ? text.slice(0, 2).toLowerCase() : 'n'}`
    out.tokens.push({ literal: 'number' })
  } else {
    out.code += text
    out.key += text
    out.tokens.push({ word: text.toUpperCase() })
  }
  return j
}

function readString(
  sql: string,
  start: number,
  options: LexOptions,
): { value: string; end: number } | undefined {
  const quote = sql[start]!
  let value = ''
  let i = start + 1
  for (;;) {
    if (i >= sql.length) return undefined
    const ch = sql[i]!
    if (ch === '\\' && !options.noBackslashEscapes) {
      if (i + 1 >= sql.length) return undefined
      const e = sql[i + 1]!
      // `\%` and `\_` keep their backslash (they are LIKE escapes).
      value += e === '%' || e === '_' ? `\\${e}` : (ESCAPES[e] ?? e)
      i += 2
    } else if (ch === quote) {
      if (sql[i + 1] === quote) {
        value += quote
        i += 2
      } else {
        return { value, end: i + 1 }
      }
    } else {
      value += ch
      i++
    }
  }
}

function readQuotedIdentifier(sql: string, start: number): { value: string; end: number } | undefined {
  const quote = sql[start]!
  let value = ''
  let i = start + 1
  for (;;) {
    const close = sql.indexOf(quote, i)
    if (close < 0) return undefined
    value += sql.slice(i, close)
    if (sql[close + 1] === quote) {
      value += quote
      i = close + 2
    } else {
      return { value, end: close + 1 }
    }
  }
}

/** A single-quoted literal the parser (MySQL dialect, backslash escapes) reads back as `value`. */
function quoteForParser(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''").replaceAll('\0', '\\0').replaceAll('\x1a', '\\Z')}'`
}
