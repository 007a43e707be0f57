// The decision-cache key for a SQL string: PostgreSQL's token stream with literal *values* abstracted away,
// produced by a hand-written pass that costs a few µs instead of a parse (≈86 µs, STACK.md).
//
// Safety argument: two texts with the same key lex to the same sequence of tokens, except that literal
// tokens of the same lexical class (SCONST, USCONST, BCONST, XCONST, ICONST, FCONST) may differ in value.
// PostgreSQL's grammar looks only at token classes, so both texts get the same parse tree shape; the
// classifier marks the few decisions that read a literal's value as literal-sensitive, and those are cached
// by exact text instead (classify.ts). To keep that argument true, this pass mirrors scan.l exactly where it
// matters (comments nest, `--`/`/*` cut operators, string continuation needs a newline, `''` is not an escape
// inside B''/X'', dollar-quote tags) and gives up (returns undefined: no caching) on anything else it is not
// sure about: unterminated tokens, control characters, malformed numbers or parameters.
// Reference: src/backend/parser/scan.l (PostgreSQL 18).

/** Starts every literal placeholder; the scanner refuses texts containing control characters, so it is unique. */
const MARK = '\u0001'

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) // [ \t\n\v\f\r]
const isIdentStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128
const isIdentCont = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57) || c === 36
const isDigit = (c: number) => c >= 48 && c <= 57

// Whitespace between two quoted strings that makes PostgreSQL join them into one literal (scan.l
// `quotecontinue`): horizontal space, a newline, then any space. The server (PostgreSQL 15, tried) also
// joins across `--` comments there, but libpg-query 18 does not (it reads two strings and a syntax error):
// the lexers disagree, so such a text is not keyed at all. A `/* */` comment breaks the continuation in both.
// Both patterns avoid nested quantifiers so a failed match stays linear.
const QUOTE_CONTINUE = /[ \t\f\v]*[\n\r][ \t\n\r\f\v]*'/y
const QUOTE_CONTINUE_WITH_COMMENTS = /[ \t\f\v]*(?:--[^\n\r]*)?[\n\r](?:[ \t\n\r\f\v]|--[^\n\r]*[\n\r])*'/y
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y
const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?)$/
const INT4_MAX = 2147483647

/** The cache key for `sql`, or undefined when the text is not one this pass can key safely. */
export function cacheKeyOf(sql: string): string | undefined {
  // NUL ends a wire-protocol string and the parser's C string: never key what the parser would truncate.
  if (sql.includes('\0')) return undefined
  // Unchanged text is copied in spans [from, i) rather than token by token: that keeps the key a few
  // flat pieces, which matters as much as the scan itself for a µs budget.
  let key = ''
  let from = 0
  let i = 0
  const n = sql.length
  /** Appends the span before `at`, then `replacement`, and continues copying from `resume`. */
  const replace = (at: number, replacement: string, resume: number) => {
    key += sql.slice(from, at) + replacement
    from = resume
  }
  while (i < n) {
    const c = sql.charCodeAt(i)
    if (c === 32 && i > 0 && i + 1 < n && !isSpace(sql.charCodeAt(i + 1)) && !startsComment(sql, i + 1)) {
      i++ // one plain space between two tokens is already its own key form
    } else if (isSpace(c) || startsComment(sql, i)) {
      const end = skipSpaceAndComments(sql, i)
      if (end < 0) return undefined
      // A run of whitespace and comments between two tokens is one space; at either end, nothing.
      key += sql.slice(from, i)
      if (key.length > 0 && end < n) key += ' '
      from = end
      i = end
    } else if (c === 39) {
      const end = skipQuoted(sql, i + 1, 'standard')
      if (end < 0) return undefined
      replace(i, `${MARK}s`, end)
      i = end
    } else if (c === 34) {
      const end = skipQuotedIdentifier(sql, i + 1)
      if (end < 0) return undefined
      i = end
    } else if (isIdentStart(c)) {
      const lit = prefixedLiteral(sql, i)
      if (lit === null) return undefined
      if (lit) {
        if (lit.mark.startsWith(MARK)) replace(i, lit.mark, lit.end)
        i = lit.end
        continue
      }
      let j = i + 1
      let upper = c >= 65 && c <= 90
      let ascii = c < 128
      for (; j < n; j++) {
        const d = sql.charCodeAt(j)
        if (!isIdentCont(d)) break
        if (d >= 65 && d <= 90) upper = true
        else if (d >= 128) ascii = false
      }
      if (upper) replace(i, foldAscii(sql.slice(i, j), ascii), j)
      i = j
    } else if (c === 46 && sql.charCodeAt(i + 1) === 46) {
      i += 2 // scan.l dot_dot: `..9` is `..` then 9, not `.` then .9
    } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      const end = numberEnd(sql, i)
      const mark = numberMark(sql.slice(i, end))
      if (!mark) return undefined
      replace(i, mark, end)
      i = end
    } else if (c === 36) {
      const token = dollarToken(sql, i)
      if (token === undefined) return undefined
      if (!token.param) replace(i, `${MARK}s`, token.end)
      i = token.end
    } else if (c < 32 || c === 127) {
      return undefined
    } else {
      // Operators and punctuation, one character at a time so `--` and `/*` inside an operator start a
      // comment, as in scan.l.
      i++
    }
  }
  key += sql.slice(from, n)
  return key
}

const startsComment = (sql: string, i: number) => {
  const c = sql.charCodeAt(i)
  const d = sql.charCodeAt(i + 1)
  return (c === 45 && d === 45) || (c === 47 && d === 42)
}

/** End of a run of whitespace and comments starting at `start`; -1 for an unterminated comment. */
function skipSpaceAndComments(sql: string, start: number): number {
  let i = start
  const n = sql.length
  while (i < n) {
    const c = sql.charCodeAt(i)
    if (isSpace(c)) {
      i++
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      i += 2
      while (i < n && sql.charCodeAt(i) !== 10 && sql.charCodeAt(i) !== 13) i++
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      i = skipBlockComment(sql, i)
      if (i < 0) return -1
    } else {
      break
    }
  }
  return i
}

function skipBlockComment(sql: string, start: number): number {
  // Comments nest in PostgreSQL (scan.l xcdepth).
  let depth = 0
  let i = start
  const n = sql.length
  while (i < n) {
    const c = sql.charCodeAt(i)
    if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      depth++
      i += 2
    } else if (c === 42 && sql.charCodeAt(i + 1) === 47) {
      depth--
      i += 2
      if (depth === 0) return i
    } else {
      i++
    }
  }
  return -1
}

type QuoteMode = 'standard' | 'escape' | 'bits'

/** Index just after the closing quote of a string whose body starts at `i`, continuation included; -1 if open. */
function skipQuoted(sql: string, start: number, mode: QuoteMode): number {
  let i = start
  const n = sql.length
  for (;;) {
    while (i < n) {
      const c = sql.charCodeAt(i)
      if (c === 92 && mode === 'escape') {
        i += 2
      } else if (c === 39) {
        if (mode !== 'bits' && sql.charCodeAt(i + 1) === 39) i += 2
        else break
      } else {
        i++
      }
    }
    if (i >= n) return -1
    i++ // closing quote
    QUOTE_CONTINUE.lastIndex = i
    if (!QUOTE_CONTINUE.test(sql)) {
      QUOTE_CONTINUE_WITH_COMMENTS.lastIndex = i
      return QUOTE_CONTINUE_WITH_COMMENTS.test(sql) ? -1 : i
    }
    i = QUOTE_CONTINUE.lastIndex
  }
}

function skipQuotedIdentifier(sql: string, start: number): number {
  let i = start
  const n = sql.length
  while (i < n) {
    if (sql.charCodeAt(i) === 34) {
      if (sql.charCodeAt(i + 1) === 34) i += 2
      else return i + 1
    } else {
      i++
    }
  }
  return -1
}

/** E'..', B'..', X'..', N'..', U&'..' and U&".." at a token start: the literal, undefined if none, null if broken. */
function prefixedLiteral(sql: string, i: number): { mark: string; end: number } | undefined | null {
  const c = sql.charCodeAt(i) | 0x20
  const next = sql.charCodeAt(i + 1)
  if (next === 39) {
    const body = i + 2
    let mode: QuoteMode
    let mark: string
    if (c === 101) [mode, mark] = ['escape', `${MARK}s`]
    else if (c === 98) [mode, mark] = ['bits', `${MARK}b`]
    else if (c === 120) [mode, mark] = ['bits', `${MARK}x`]
    else if (c === 110)
      [mode, mark] = ['standard', `${MARK}n`] // scan.l: N'..' is the identifier nchar + a string
    else return undefined
    const end = skipQuoted(sql, body, mode)
    return end < 0 ? null : { mark, end }
  }
  if (c === 117 && next === 38) {
    const q = sql.charCodeAt(i + 2)
    if (q === 39) {
      const end = skipQuoted(sql, i + 3, 'standard')
      return end < 0 ? null : { mark: `${MARK}u`, end }
    }
    if (q === 34) {
      const end = skipQuotedIdentifier(sql, i + 3)
      return end < 0 ? null : { mark: sql.slice(i, end), end }
    }
  }
  return undefined
}

/** End of the run scan.l could read as one numeric token (junk included, so a malformed one is caught). */
function numberEnd(sql: string, start: number): number {
  let i = start
  const n = sql.length
  while (i < n) {
    const c = sql.charCodeAt(i)
    if (isIdentCont(c) || c === 46) {
      i++
    } else if ((c === 43 || c === 45) && (sql.charCodeAt(i - 1) | 0x20) === 101) {
      i++
    } else {
      break
    }
  }
  return i
}

const INTEGER_MARK = `${MARK}i`

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false
  return true
}

/** ICONST when the value fits in int4 (as scan.l's process_integer_literal decides), else FCONST. */
function numberMark(text: string): string | undefined {
  // The common case, a plain decimal integer of at most 9 digits, is an int4 whatever its value: no regex.
  if (text.length <= 9 && allDigits(text)) return INTEGER_MARK
  if (!NUMBER.test(text)) return undefined
  if (/[.eE]/.test(text) && !/^0[xX]/.test(text)) return `${MARK}f`
  const digits = text.replaceAll('_', '')
  const value = digits.length > 2 && /^0[xob]/i.test(digits) ? Number(digits.toLowerCase()) : Number(digits)
  return value <= INT4_MAX ? `${MARK}i` : `${MARK}f`
}

/** A `$n` parameter (kept in the key) or a dollar-quoted string (abstracted); undefined when malformed. */
function dollarToken(sql: string, i: number): { end: number; param: boolean } | undefined {
  if (isDigit(sql.charCodeAt(i + 1))) {
    let j = i + 1
    while (j < sql.length && isIdentCont(sql.charCodeAt(j))) j++
    return /^\$\d+$/.test(sql.slice(i, j)) ? { end: j, param: true } : undefined
  }
  DOLLAR_TAG.lastIndex = i
  if (!DOLLAR_TAG.test(sql)) return undefined
  const tag = sql.slice(i, DOLLAR_TAG.lastIndex)
  const close = sql.indexOf(tag, DOLLAR_TAG.lastIndex)
  return close < 0 ? undefined : { end: close + tag.length, param: false }
}

/** PostgreSQL folds unquoted identifiers to lower case in ASCII only (downcase_identifier in a UTF8 database). */
function foldAscii(word: string, ascii: boolean): string {
  return ascii ? word.toLowerCase() : word.replace(UPPER_RUNS, (run) => run.toLowerCase())
}
const UPPER_RUNS = /[A-Z]+/g

const OP_CHARS = new Set('~!@#^&|`?+-*/%<>=')

/** Whether PostgreSQL's lexer would spend quadratic time on `sql`. Its comment-start rule (`/*` followed by
 * any operator characters) re-reads the rest of an operator-character run at every `/*` in it, so
 * `/*` repeated 8 000 times costs ≈0.7 s of the gateway's one thread. We count that work (over-estimating:
 * runs inside strings count too) and refuse a text above `budget` before it reaches the parser. */
export function exceedsLexerBudget(sql: string, budget = 500_000): boolean {
  let cost = 0
  let runEnd = -1
  for (let i = sql.indexOf('/*'); i >= 0; i = sql.indexOf('/*', i + 1)) {
    if (i >= runEnd) {
      runEnd = i
      while (runEnd < sql.length && OP_CHARS.has(sql[runEnd]!)) runEnd++
    }
    cost += runEnd - i
    if (cost > budget) return true
  }
  return false
}
