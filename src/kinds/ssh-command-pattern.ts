// The command-pattern language of SSH command scopes (`exec:deploy:systemctl status *`) and the canonical form
// the exec classifier (protocols/ssh/command/) writes an action's command in. Both are read by one small
// tokenizer here, so a granted pattern and an action's command are compared token by token: program and
// arguments, operators and redirections, never as one string (a glob over the string would let
// `systemctl status *` cover `systemctl status x; rm -rf /`).
//
// The language is a subset of POSIX shell syntax with no expansion at all: words (bare, '…', "…", \x),
// the list and pipe operators `|` `|&` `&&` `||` `;` `&`, redirections (`>`, `2>&1`, `<`, …) with a word as
// their target, and `NAME=value` assignments before a program. An unquoted `*` inside a word matches any run
// of characters in one word; a word that is only `*` as the last word of a command matches any further
// arguments (none included). Anything else a shell would expand ($, `, globs ? [ ], ~, (, ), !, # and
// brace lists) is refused in patterns; the classifier gives commands holding them no command form at all,
// so only a grant of the whole login (`exec:deploy`) covers them. Hand-written: it is our own language, and
// patterns are at most a scope entry long (MAX_SCOPE_ENTRY_LENGTH); action commands are capped by the
// classifier. Matching is linear in the tokens, each word glob O(pattern × word) without backtracking.

export type CommandToken =
  /** A word; `text` holds WILDCARD where the pattern has an unquoted `*`. `assign`: a NAME=value before the
   * program. */
  | { type: 'word'; text: string; assign: boolean }
  /** `*` as the last word of a command: any further arguments. */
  | { type: 'rest' }
  /** `|`, `|&`, `&&`, `||`, `;`, `&`: between commands. */
  | { type: 'op'; text: string }
  /** A redirection operator with its file descriptor (`>`, `>>`, `2>`, `>&`, `<`, `&>`, …); a word follows. */
  | { type: 'redirect'; text: string }

/** Marks an unquoted `*` inside a word's text: NUL never occurs in a word (both sides refuse it). */
export const WILDCARD = '\u0000'

/** Longest command in canonical form the matcher reads (the classifier caps commands far below this). */
const MAX_COMMAND_FORM_LENGTH = 65_536

// Characters a command never holds, quoted or not: C0/C1 controls except tab and newline (NUL cuts a parser's
// input short), format characters (zero-width, bidi overrides) and spaces other than U+0020, all of which
// make a command read differently from what a person approving it sees.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const CONTROL = /[\u0000-\u001f\u007f]/

/** Whether `text` holds a character a command must not (see INVISIBLE). */
export const hasInvisible = (text: string): boolean => INVISIBLE.test(text)
/** Whether `text` holds any C0 control or DEL (paths). */
export const hasControl = (text: string): boolean => CONTROL.test(text)

const OPERATORS = ['&&', '||', '|&', '|', ';', '&'] as const
const REDIRECT = /^(?:(&>>|&>)|(\d{0,2})(>>|>&|>\||<&|<<<|<>|>|<))/
const SPECIAL_UNQUOTED = new Set(['$', '`', '(', ')', '?', '[', ']', '~', '!', '#', '<', '>', '|', '&', ';'])
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/
const STANDARD_BIN = /^\/(?:usr\/)?(?:local\/)?s?bin\/([^/]+)$/

/** The tokens of a command pattern or canonical command form, or the problem that makes it malformed. */
export function tokenizeCommand(text: string): { tokens: CommandToken[] } | { problem: string } {
  if (text.length > MAX_COMMAND_FORM_LENGTH) return { problem: 'the command is too long' }
  if (INVISIBLE.test(text)) return { problem: 'the command holds a control or invisible character' }
  const tokens: CommandToken[] = []
  let at = skipBlanks(text, 0)
  let commandStart = true
  while (at < text.length) {
    const redirect = REDIRECT.exec(text.slice(at, at + 6))
    if (redirect) {
      tokens.push({ type: 'redirect', text: canonicalRedirect(redirect) })
      const target = readWord(text, skipBlanks(text, at + redirect[0].length))
      if ('problem' in target) return target
      if (target.text === '' && !target.quoted)
        return { problem: `the redirection ${redirect[0]} names no target` }
      tokens.push({ type: 'word', text: target.text, assign: false })
      at = skipBlanks(text, target.end)
      continue
    }
    const op = OPERATORS.find((o) => text.startsWith(o, at))
    if (op) {
      if (tokens.length === 0 || tokens.at(-1)!.type === 'op') return { problem: `${op} follows no command` }
      tokens.push({ type: 'op', text: op })
      at = skipBlanks(text, at + op.length)
      commandStart = true
      continue
    }
    const word = readWord(text, at)
    if ('problem' in word) return word
    if (word.end === at) return { problem: `unexpected "${text[at]}"` }
    const assign = commandStart && word.bareAssign
    tokens.push({ type: 'word', text: commandStart && !assign ? program(word.text) : word.text, assign })
    if (!assign) commandStart = false
    at = skipBlanks(text, word.end)
  }
  // A final `;` ends the last command and changes nothing: the canonical form leaves it out too.
  if (tokens.at(-1)?.type === 'op' && (tokens.at(-1) as { text: string }).text === ';') tokens.pop()
  const last = tokens.at(-1)
  if (!last) return { problem: 'the command is empty' }
  if (last.type === 'op' && last.text !== ';' && last.text !== '&')
    return { problem: `the command ends with ${last.text}` }
  return { tokens: markRest(tokens) }
}

function skipBlanks(text: string, at: number): number {
  while (text[at] === ' ' || text[at] === '\t') at++
  return at
}

function canonicalRedirect(m: RegExpExecArray): string {
  if (m[1]) return m[1]
  const fd = m[2] ?? ''
  const op = m[3]!
  const defaultFd = op.startsWith('<') ? '0' : '1'
  return (fd === '' || Number(fd) === Number(defaultFd) ? '' : String(Number(fd))) + op
}

/** `systemctl` and `/usr/bin/systemctl` are one program: a program in a standard bin directory is written
 * by its name (the login's PATH finds it there); any other path (`./systemctl`, `/tmp/systemctl`) stays. */
export function program(text: string): string {
  const m = STANDARD_BIN.exec(text)
  return m && !m[1]!.includes(WILDCARD) && m[1] !== '.' && m[1] !== '..' ? m[1]! : text
}

interface WordRead {
  text: string
  end: number
  quoted: boolean
  /** The word starts with an unquoted NAME=. */
  bareAssign: boolean
}

function readWord(text: string, start: number): WordRead | { problem: string } {
  let out = ''
  let at = start
  let quoted = false
  while (at < text.length) {
    const ch = text[at]!
    if (ch === ' ' || ch === '\t') break
    if (ch === "'") {
      const close = text.indexOf("'", at + 1)
      if (close < 0) return { problem: 'a single quote is not closed' }
      out += text.slice(at + 1, close)
      quoted = true
      at = close + 1
    } else if (ch === '"') {
      const read = readDoubleQuoted(text, at + 1)
      if ('problem' in read) return read
      out += read.text
      quoted = true
      at = read.end
    } else if (ch === '\\') {
      const next = text[at + 1]
      if (next === undefined || next === '\n') return { problem: 'a backslash ends a line' }
      out += next
      quoted = true
      at += 2
    } else if (ch === '\n') {
      return { problem: 'write ; between commands, not a line break' }
    } else if (OPERATORS.some((o) => text.startsWith(o, at)) || ch === '<' || ch === '>') {
      break
    } else if (ch === '*') {
      out += WILDCARD
      at++
    } else if (SPECIAL_UNQUOTED.has(ch) || ((ch === '{' || ch === '}') && braceList(text, start))) {
      return { problem: `quote "${ch}": shell expansions are not part of command patterns` }
    } else {
      out += ch
      at++
    }
  }
  return { text: out, end: at, quoted, bareAssign: ASSIGNMENT.test(text.slice(start, at)) }
}

/** A `{a,b}` or `{1..3}` brace expansion somewhere in the bare word starting at `start` (bash expands it;
 * `{}` as find -exec writes it stays literal). */
function braceList(text: string, start: number): boolean {
  const end = text.slice(start).search(/[\s;|&<>]/)
  const word = end < 0 ? text.slice(start) : text.slice(start, start + end)
  return /\{[^}]*(,|\.\.)[^}]*\}/.test(word)
}

function readDoubleQuoted(text: string, start: number): { text: string; end: number } | { problem: string } {
  let out = ''
  let at = start
  while (at < text.length) {
    const ch = text[at]!
    if (ch === '"') return { text: out, end: at + 1 }
    if (ch === '$' || ch === '`')
      return { problem: `"${ch}" inside double quotes expands; use single quotes` }
    if (ch === '\\' && text[at + 1] === '\n') return { problem: 'a backslash ends a line' }
    if (ch === '\\' && '$`"\\'.includes(text[at + 1] ?? '')) {
      out += text[at + 1]
      at += 2
    } else {
      out += ch
      at++
    }
  }
  return { problem: 'a double quote is not closed' }
}

/** A word that is only `*` after a command's program, before an operator, a redirection or the end: any
 * further arguments. */
function markRest(tokens: CommandToken[]): CommandToken[] {
  return tokens.map((t, i): CommandToken => {
    const next = tokens[i + 1]
    const prev = tokens[i - 1]
    const afterProgram = prev?.type === 'word' && !prev.assign
    if (t.type === 'word' && t.text === WILDCARD && afterProgram && next?.type !== 'word')
      return { type: 'rest' }
    return t
  })
}

// Words written bare in the canonical form; anything else is single-quoted. `:` and `,` are quoted so a
// canonical entry splits back out of a scope list (core's parseScope) unchanged.
const SAFE_BARE = /^[A-Za-z0-9_@%+=./-]+$/

/** One literal word as the canonical form writes it (the tokenizer reads it back to the same text). */
export function quoteWord(text: string, position: 'program' | 'argument' = 'argument'): string {
  if (SAFE_BARE.test(text) && !(position === 'program' && ASSIGNMENT.test(text))) return text
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/** Tokens back to text: the canonical form of an action's command (words carry no wildcard there). */
export function formatCommand(tokens: readonly CommandToken[]): string {
  let commandStart = true
  const parts: string[] = []
  let target = false
  for (const t of tokens) {
    if (target && t.type === 'word') {
      // A redirection and its target are written together: `2>&1`, `>/tmp/out`.
      parts.push(`${parts.pop()}${quoteWord(t.text)}`)
      target = false
      continue
    }
    target = t.type === 'redirect'
    if (t.type === 'op') {
      parts.push(t.text)
      commandStart = true
    } else if (t.type === 'redirect') parts.push(t.text)
    else if (t.type === 'rest') parts.push('*')
    else if (t.assign) {
      const eq = t.text.indexOf('=')
      parts.push(`${t.text.slice(0, eq + 1)}${t.text.length > eq + 1 ? quoteWord(t.text.slice(eq + 1)) : ''}`)
    } else {
      parts.push(quoteWord(t.text.replaceAll(WILDCARD, '*'), commandStart ? 'program' : 'argument'))
      commandStart = false
    }
  }
  return parts.join(' ')
}

/**
 * Whether pattern tokens `outer` cover `inner` (an action's command, or a narrower pattern when a ceiling is
 * checked): every command `inner` matches, `outer` matches too. An inner wildcard is covered only by an outer
 * one, and inner "any further arguments" only by the outer's, so the answer is sound for patterns as well.
 */
export function commandCovers(outer: readonly CommandToken[], inner: readonly CommandToken[]): boolean {
  let j = 0
  for (const a of outer) {
    if (a.type === 'rest') {
      while (j < inner.length && isArgument(inner[j]!)) j++
      continue
    }
    const b = inner[j++]
    if (!b || a.type !== b.type) return false
    if (a.type === 'word' && b.type === 'word') {
      if (a.assign !== b.assign || !wordCovers(a.text, b.text)) return false
    } else if ((a.type === 'op' || a.type === 'redirect') && a.text !== (b as { text: string }).text)
      return false
  }
  return j === inner.length
}

const isArgument = (t: CommandToken): boolean => t.type === 'rest' || (t.type === 'word' && !t.assign)

/** Glob match with WILDCARD in `pattern`; a WILDCARD in `word` (a narrower pattern's) is only absorbed by
 * one of the pattern's, since no literal part of the pattern holds one. The literal parts between wildcards are
 * found left to right, each at its first place after the one before (leftmost is always safe when `*` is the
 * only wildcard): one indexOf per part, no backtracking. */
export function wordCovers(pattern: string, word: string): boolean {
  const parts = pattern.split(WILDCARD)
  if (parts.length === 1) return pattern === word
  const first = parts[0]!
  const last = parts.at(-1)!
  if (word.length < first.length + last.length || !word.startsWith(first) || !word.endsWith(last))
    return false
  const end = word.length - last.length
  let at = first.length
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!
    if (part === '') continue
    const found = word.indexOf(part, at)
    if (found < 0 || found + part.length > end) return false
    at = found + part.length
  }
  return true
}
