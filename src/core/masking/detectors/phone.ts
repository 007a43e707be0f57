import { codeAt, DASH, DOT, isAlnum, isDigit, PLUS, SPACE } from './chars.ts'
import { type Detector, isWholeMatch, type Span } from './detector.ts'

const OPEN = 40 // (
const CLOSE = 41 // )

/**
 * Telephone numbers. Anywhere: the international shape, `+` and 8–15 digits (E.164 allows 15) with
 * spaces, dashes, dots or parentheses. Only in a column named for phones: national shapes too
 * (`(415) 555-2671`, `020 7946 0958`, `4155552671`), since without the `+` a digit run is as likely a
 * build number, a ticket or an amount (`BUILD-555-1234` in a log is not a phone).
 */
export const phone: Detector = {
  id: 'phone',
  // a national number in a phone column; an international one has 8
  minDigits: 7,
  hints: ['phone', 'mobile', 'tel', 'telephone', 'fax', 'msisdn', 'cell', 'cellphone', 'phonenumber', 'sms'],
  test: (value, context) => isWholeMatch(phone.find(value, context), value),
  find(text, context) {
    const spans: Span[] = []
    // Outside a phone column only the international shape counts: no `+`, nothing to scan.
    if (!context.hinted && text.indexOf('+') === -1) return spans
    let i = 0
    while (i < text.length) {
      const c = text.charCodeAt(i)
      const international = c === PLUS && isDigit(codeAt(text, i + 1))
      const national = context.hinted && (isDigit(c) || (c === OPEN && isDigit(codeAt(text, i + 1))))
      if ((international || national) && startsPhone(text, i)) {
        const end = scanPhone(text, international ? i + 1 : i)
        if (end > i && validPhone(text, i, end, international)) {
          spans.push({ start: i, end })
          i = end
          continue
        }
        i = Math.max(end, i + 1)
        continue
      }
      i++
    }
    return spans
  },
}

function startsPhone(text: string, i: number): boolean {
  const prev = codeAt(text, i - 1)
  return !(isAlnum(prev) || prev === DASH || prev === DOT || prev === 95 || prev === PLUS || prev === 47)
}

function isPhoneSeparator(c: number): boolean {
  return c === SPACE || c === DASH || c === DOT || c === OPEN || c === CLOSE
}

/** End of the longest run of digits and separators with at most three separators in a row. */
function scanPhone(text: string, from: number): number {
  let i = from
  let lastDigitEnd = from
  let separators = 0
  while (i < text.length && i - from < 40) {
    const c = text.charCodeAt(i)
    if (isDigit(c)) {
      separators = 0
      lastDigitEnd = i + 1
    } else if (isPhoneSeparator(c) && ++separators <= 3) {
      // keep going
    } else break
    i++
  }
  return lastDigitEnd
}

function validPhone(text: string, start: number, end: number, international: boolean): boolean {
  const next = codeAt(text, end)
  if (isAlnum(next) || next === 95) return false
  if ((next === DOT || next === 44) && isDigit(codeAt(text, end + 1))) return false
  let digits = 0
  let dots = 0
  let open = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (isDigit(c)) {
      digits++
      continue
    }
    if (c === DOT) dots++
    else if (c === OPEN) open++
    else if (c === CLOSE && --open < 0) return false
  }
  if (open !== 0) return false
  // One dot is a decimal point (`+1500000.00`), not a separator.
  if (dots === 1) return false
  if (international) return digits >= 8 && digits <= 15 && text.charCodeAt(start + 1) !== 48
  if (digits < 7 || digits > 15) return false
  // In a phone column a date is still a date: `2024-01-15`, `20240115`.
  return !(digits === 8 && looksLikeDate(text.slice(start, end).replaceAll('-', '')))
}

function looksLikeDate(eight: string): boolean {
  if (!/^(19|20)\d{6}$/.test(eight)) return false
  const month = Number(eight.slice(4, 6))
  const day = Number(eight.slice(6, 8))
  return month >= 1 && month <= 12 && day >= 1 && day <= 31
}
