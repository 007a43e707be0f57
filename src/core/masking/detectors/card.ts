import { cardIssuer } from './card-issuer.ts'
import { codeAt, DASH, DOT, isAlnum, isDigit, SPACE } from './chars.ts'
import { type Detector, type DetectorContext, isWholeMatch, type Span } from './detector.ts'
import { luhnValid } from './luhn.ts'

const MIN_DIGITS = 12
const MAX_DIGITS = 19

/** Payment card numbers (PAN): issuer range + length + Luhn, plain or grouped with spaces or dashes. */
export const card: Detector = {
  id: 'card',
  hints: ['card', 'pan', 'cc', 'ccnum', 'cardnumber', 'creditcard'],
  test: (value, context) => isWholeMatch(findCards(value, context), value),
  find: findCards,
}

function findCards(text: string, context: DetectorContext): Span[] {
  const spans: Span[] = []
  let i = 0
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++
      continue
    }
    if (!startsNumber(text, i)) {
      i++
      continue
    }
    const run = scanDigitRun(text, i)
    if (run.digits >= MIN_DIGITS && endsNumber(text, run.end)) {
      const span = bestCard(text, i, run, context)
      if (span) spans.push(span)
    }
    i = run.end + 1
  }
  return spans
}

interface DigitRun {
  end: number
  digits: number
  /** End offset of each group of digits, for retrying a shorter prefix at a group boundary. */
  groupEnds: number[]
  separator: number
}

/** Digits with single, consistent separators (space or dash) between them. */
function scanDigitRun(text: string, start: number): DigitRun {
  const groupEnds: number[] = []
  let separator = -1
  let i = start
  let digits = 0
  while (i < text.length && digits <= MAX_DIGITS * 2) {
    const c = text.charCodeAt(i)
    if (isDigit(c)) {
      i++
      digits++
      continue
    }
    const next = codeAt(text, i + 1)
    if ((c === SPACE || c === DASH) && (separator === -1 || separator === c) && isDigit(next)) {
      separator = c
      groupEnds.push(i)
      i++
      continue
    }
    break
  }
  groupEnds.push(i)
  return { end: i, digits, groupEnds, separator }
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

function bestCard(text: string, start: number, run: DigitRun, context: DetectorContext): Span | undefined {
  // Order ids and counters are long digit runs too; in such a column only a grouped number is a card.
  if (run.separator === -1 && context.idLike && !context.hinted) return undefined
  for (let g = run.groupEnds.length - 1; g >= 0; g--) {
    const end = run.groupEnds[g]!
    const digits = run.separator === -1 ? text.slice(start, end) : stripSeparators(text, start, end)
    if (digits.length > MAX_DIGITS) continue
    if (digits.length < MIN_DIGITS) return undefined
    if (cardIssuer(digits) !== undefined && luhnValid(digits)) return { start, end }
  }
  return undefined
}

function stripSeparators(text: string, start: number, end: number): string {
  let digits = ''
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (isDigit(c)) digits += text[i]
  }
  return digits
}
