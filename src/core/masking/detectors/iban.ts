import { codeAt, isAlnum, isDigit, isLower, isUpper, SPACE } from './chars.ts'
import { type Detector, type DetectorContext, isWholeMatch, type Span } from './detector.ts'
import { IBAN_LENGTHS } from './iban-lengths.ts'

/**
 * International bank account numbers (ISO 13616): a country code with its registered length, and the
 * mod-97 check (ISO 7064) equal to 1. Electronic form or the print form in groups of four. Lower case
 * only in a column named for IBANs: in running text lower-case words are far more common.
 */
export const iban: Detector = {
  id: 'iban',
  // the check digits
  minDigits: 2,
  hints: ['iban', 'account', 'bankaccount', 'bank'],
  test: (value, context) => isWholeMatch(iban.find(value, context), value),
  find(text, context) {
    const spans: Span[] = []
    for (let i = 0; i + 15 <= text.length; i++) {
      if (!startsIban(text, i, context) || isAlnum(codeAt(text, i - 1))) continue
      const end = matchIban(text, i, context)
      if (end !== -1) {
        spans.push({ start: i, end })
        i = end - 1
      }
    }
    return spans
  },
}

function isLetter(c: number, context: DetectorContext): boolean {
  return isUpper(c) || (context.hinted && isLower(c))
}

function startsIban(text: string, i: number, context: DetectorContext): boolean {
  return (
    isLetter(text.charCodeAt(i), context) &&
    isLetter(text.charCodeAt(i + 1), context) &&
    isDigit(text.charCodeAt(i + 2)) &&
    isDigit(text.charCodeAt(i + 3))
  )
}

/** End of the IBAN starting at `start`, or -1. */
function matchIban(text: string, start: number, context: DetectorContext): number {
  const length = IBAN_LENGTHS.get(text.slice(start, start + 2).toUpperCase())
  if (length === undefined) return -1
  let compact = ''
  let i = start
  // Print form: a single space after every fourth character.
  while (i < text.length && compact.length < length) {
    const c = text.charCodeAt(i)
    if (isUpper(c) || isDigit(c) || (context.hinted && isLower(c))) {
      compact += text[i]
      i++
    } else if (
      c === SPACE &&
      compact.length % 4 === 0 &&
      compact.length > 0 &&
      isAlnum(codeAt(text, i + 1))
    ) {
      i++
    } else break
  }
  if (compact.length !== length || isAlnum(codeAt(text, i))) return -1
  return mod97(compact.toUpperCase()) === 1 ? i : -1
}

/** ISO 7064 MOD 97-10 over the rearranged IBAN, folded digit by digit to stay within a double. */
function mod97(compact: string): number {
  const rearranged = compact.slice(4) + compact.slice(0, 4)
  let remainder = 0
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i)
    if (isDigit(c)) remainder = (remainder * 10 + (c - 48)) % 97
    else remainder = (remainder * 100 + (c - 55)) % 97
  }
  return remainder
}
