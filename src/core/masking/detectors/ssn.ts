import { codeAt, DASH, DOT, isAlnum, isDigit, SPACE } from './chars.ts'
import { type Detector, isWholeMatch, type Span } from './detector.ts'

/**
 * US Social Security numbers as the SSA issues them: area 001–899 except 666, group 01–99, serial
 * 0001–9999. `AAA-GG-SSSS` anywhere; `AAA GG SSSS` and nine bare digits only in a column named for SSNs,
 * where a nine-digit number is otherwise an invoice or a routing number.
 */
export const ssn: Detector = {
  id: 'ssn',
  // AAA-GG-SSSS
  minDigits: 9,
  hints: ['ssn', 'social', 'socialsecurity', 'taxpayer', 'tin', 'itin'],
  test: (value, context) => isWholeMatch(ssn.find(value, context), value),
  find(text, context) {
    const spans: Span[] = []
    // Outside an SSN column only `AAA-GG-SSSS` counts: no dash, nothing to scan.
    if (!context.hinted && text.indexOf('-') === -1) return spans
    for (let i = 0; i + 9 <= text.length; i++) {
      if (!isDigit(text.charCodeAt(i))) continue
      const prev = codeAt(text, i - 1)
      if (isAlnum(prev) || prev === DASH || prev === DOT || prev === 95 || prev === 47) {
        while (i < text.length && isDigit(text.charCodeAt(i))) i++
        continue
      }
      const end = matchSsn(text, i, context.hinted)
      if (end !== -1) {
        spans.push({ start: i, end })
        i = end
      }
    }
    return spans
  },
}

function matchSsn(text: string, i: number, hinted: boolean): number {
  const sep = text.charCodeAt(i + 3)
  let end: number
  if (sep === DASH || (hinted && sep === SPACE)) {
    if (!(digitsAt(text, i, 3) && text.charCodeAt(i + 6) === sep && digitsAt(text, i + 4, 2))) return -1
    if (!digitsAt(text, i + 7, 4)) return -1
    end = i + 11
  } else if (hinted && digitsAt(text, i, 9)) {
    end = i + 9
  } else return -1
  const next = codeAt(text, end)
  if (
    isAlnum(next) ||
    next === DASH ||
    next === 95 ||
    ((next === DOT || next === 44) && isDigit(codeAt(text, end + 1)))
  ) {
    return -1
  }
  const digits =
    end === i + 9
      ? text.slice(i, end)
      : text.slice(i, i + 3) + text.slice(i + 4, i + 6) + text.slice(i + 7, i + 11)
  return validSsn(digits) ? end : -1
}

function digitsAt(text: string, start: number, count: number): boolean {
  for (let i = start; i < start + count; i++) if (!isDigit(codeAt(text, i))) return false
  return true
}

function validSsn(digits: string): boolean {
  const area = digits.slice(0, 3)
  return (
    area !== '000' &&
    area !== '666' &&
    area[0] !== '9' &&
    digits.slice(3, 5) !== '00' &&
    digits.slice(5) !== '0000'
  )
}
