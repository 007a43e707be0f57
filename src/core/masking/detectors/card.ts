import { cardIssuer } from './card-issuer.ts'
import { codeAt, DASH, DOT, isAlnum, isDigit, SPACE } from './chars.ts'
import { type Detector, type DetectorContext, isWholeMatch, type Span } from './detector.ts'
import { luhnValidDigits } from './luhn.ts'

const MIN_DIGITS = 12
const MAX_DIGITS = 19

/** Payment card numbers (PAN): issuer range + length + Luhn, plain or grouped with spaces or dashes. */
export const card: Detector = {
  id: 'card',
  minDigits: MIN_DIGITS,
  hints: ['card', 'pan', 'cc', 'ccnum', 'cardnumber', 'creditcard'],
  test: (value, context) => isWholeMatch(findCards(value, context), value),
  find: findCards,
}

function findCards(text: string, context: DetectorContext): Span[] {
  const spans: Span[] = []
  let i = 0
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i)) || !startsNumber(text, i)) {
      i++
      continue
    }
    const end = scanDigitRun(text, i)
    if (RUN.digits >= MIN_DIGITS && endsNumber(text, end)) {
      const span = bestCard(i, context)
      if (span) spans.push(span)
    }
    i = end + 1
  }
  return spans
}

// The digit run being looked at, in buffers reused from value to value: detectors run on one thread and
// never reenter, and a card scan on every value of a column must not allocate per value.
const RUN_LIMIT = MAX_DIGITS * 2 + 1
const RUN = {
  digits: 0,
  separator: -1,
  groups: 0,
  /** Digit values 0-9 of the run, separators left out. */
  values: new Uint8Array(RUN_LIMIT + 1),
  /** End offset of each group of digits, for retrying a shorter prefix at a group boundary. */
  groupEnds: new Int32Array(RUN_LIMIT + 1),
  /** Digits before each group's end. */
  groupDigits: new Int32Array(RUN_LIMIT + 1),
}

/** Digits with single, consistent separators (space or dash) between them, into RUN; returns its end. */
function scanDigitRun(text: string, start: number): number {
  let separator = -1
  let i = start
  let digits = 0
  let groups = 0
  while (i < text.length && digits < RUN_LIMIT) {
    const c = text.charCodeAt(i)
    if (isDigit(c)) {
      RUN.values[digits++] = c - 48
      i++
      continue
    }
    const next = codeAt(text, i + 1)
    if ((c === SPACE || c === DASH) && (separator === -1 || separator === c) && isDigit(next)) {
      separator = c
      RUN.groupEnds[groups] = i
      RUN.groupDigits[groups++] = digits
      i++
      continue
    }
    break
  }
  RUN.groupEnds[groups] = i
  RUN.groupDigits[groups++] = digits
  RUN.digits = digits
  RUN.separator = separator
  RUN.groups = groups
  return i
}

// A run glued to a word, an identifier (`BUILD-4111…`, `x_4111…`) or a decimal is not a card number,
// and one after `+` is an international phone number.
function startsNumber(text: string, i: number): boolean {
  const prev = codeAt(text, i - 1)
  if (isAlnum(prev) || prev === 95 /* _ */ || prev === DOT || prev === 44 /* , */ || prev === 43 /* + */)
    return false
  if (prev === DASH || prev === 47 /* / */) return !isAlnum(codeAt(text, i - 2))
  return true
}

function endsNumber(text: string, end: number): boolean {
  const next = codeAt(text, end)
  if (isAlnum(next) || next === 95) return false
  if ((next === DOT || next === 44) && isDigit(codeAt(text, end + 1))) return false
  return true
}

function bestCard(start: number, context: DetectorContext): Span | undefined {
  // Order ids and counters are long digit runs too; in such a column only a grouped number is a card.
  if (RUN.separator === -1 && context.idLike && !context.hinted) return undefined
  for (let g = RUN.groups - 1; g >= 0; g--) {
    const digits = RUN.groupDigits[g]!
    if (digits > MAX_DIGITS) continue
    if (digits < MIN_DIGITS) return undefined
    if (cardIssuer(RUN.values, digits) !== undefined && luhnValidDigits(RUN.values, digits))
      return { start, end: RUN.groupEnds[g]! }
  }
  return undefined
}
