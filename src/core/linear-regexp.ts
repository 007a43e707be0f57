// Regular expressions from the configuration (guardrail patterns, custom detectors, `/regex/` column
// patterns) run on what clients send and what databases return. Node's default engine backtracks:
// `delete.*from.*where` took 80 s on 24 KB of `delete from ` (issue #10). These run on V8's linear-time
// engine instead (the `l` flag, enabled below): time proportional to the text whatever the pattern, at the
// price of what that engine cannot do — backreferences, lookahead, the `u` and `i` flags. Case-insensitive
// matching is kept by folding ASCII letters in the pattern and in the text (length-preserving, so match
// positions stay valid); a pattern the engine refuses is a configuration error at start.
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--enable-experimental-regexp-engine')

/** A configured pattern compiled for the linear-time engine. */
export class LinearRegExp {
  /** Global and sticky flags are the caller's: `exec` loops use `regexp` directly on `fold(text)`. */
  readonly regexp: RegExp
  readonly #foldCase: boolean

  /** Throws a SyntaxError naming the problem when the engine cannot run `source` in linear time. */
  constructor(source: string, flags = '') {
    const foldCase = flags.includes('i')
    const rest = flags.replaceAll('i', '')
    this.regexp = new RegExp(foldCase ? foldPattern(source) : source, `${rest}l`)
    this.#foldCase = foldCase
  }

  /** The text as the pattern must see it: ASCII letters folded to lower case when matching ignores case. */
  fold(text: string): string {
    return this.#foldCase ? foldAscii(text) : text
  }

  test(text: string): boolean {
    this.regexp.lastIndex = 0
    return this.regexp.test(this.fold(text))
  }
}

/** Why `source` cannot be a configured pattern, or undefined when it can. */
export function linearRegExpProblem(source: string, flags = ''): string | undefined {
  if (flags.includes('u'))
    return 'the u flag is not supported: configured patterns run on a linear-time engine without it'
  try {
    new LinearRegExp(source, flags)
    return undefined
  } catch (error) {
    const message = (error as Error).message
    return /linear time/.test(message)
      ? 'it cannot run in linear time (backreferences and lookahead are not supported); rewrite it without them'
      : `not a valid regular expression (${message})`
  }
}

const UPPER_RUNS = /[A-Z]+/g

function foldAscii(text: string): string {
  return text.replace(UPPER_RUNS, (run) => run.toLowerCase())
}

/** ASCII letters outside escapes to lower case: `\D`, `\W`, `\S`, `\B` keep their meaning. */
function foldPattern(source: string): string {
  let out = ''
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!
    if (c === '\\') {
      out += c + (source[i + 1] ?? '')
      i++
    } else out += c >= 'A' && c <= 'Z' ? c.toLowerCase() : c
  }
  return out
}
