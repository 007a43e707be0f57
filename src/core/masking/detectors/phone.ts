import { codeAt, DASH, DOT, isAlnum, isDigit, PLUS, SPACE } from './chars.ts'
import { type Detector, isWholeMatch, type Span } from './detector.ts'

const OPEN = 40 // (
const CLOSE = 41 // )

/**
 * Telephone numbers. Anywhere: the international shape, `+` and 8–15 digits (E.164 allows 15) with
 * spaces, dashes, dots or parentheses; and the national shapes that read as little else (nationalEnd):
 * North American `(415) 555-2671`, `415-555-2671`, `415.555.2671`, `1-415-555-2671`, and trunk-prefixed
 * `020 7946 0958`, `01 23 45 67 89`, `(0703) 1013354`. In a column named for phones, any national run of
 * 7–15 digits (`4155552671`), since there a bare digit run is a phone and elsewhere it is as likely an
 * account number, a ticket or an amount (`BUILD-555-1234` in a log is not a phone).
 */
export const phone: Detector = {
  id: 'phone',
  // a national number in a phone column; an international one has 8
  minDigits: 7,
  hints: ['phone', 'mobile', 'tel', 'telephone', 'fax', 'msisdn', 'cell', 'cellphone', 'phonenumber', 'sms'],
  test: (value, context) => isWholeMatch(phone.find(value, context), value),
  find(text, context) {
    const spans: Span[] = []
    // One cheap pass first: most free text has no `+` and no run of 10 digits between its separators.
    const nationalPossible = context.hinted || hasLongRun(text)
    if (!nationalPossible && text.indexOf('+') === -1) return spans
    let i = 0
    while (i < text.length) {
      const c = text.charCodeAt(i)
      const international = c === PLUS && isDigit(codeAt(text, i + 1))
      const national = nationalPossible && (isDigit(c) || (c === OPEN && isDigit(codeAt(text, i + 1))))
      if ((international || national) && startsPhone(text, i)) {
        const end = scanPhone(text, international ? i + 1 : i)
        if (end > i && (international || context.hinted) && validPhone(text, i, end, international)) {
          spans.push({ start: i, end })
          i = end
          continue
        }
        // Every national shape has at least 10 digits: most runs in free text (amounts, dates) stop here.
        const shaped =
          international || end <= i || !hasDigits(text, i, end, 10) ? -1 : nationalEnd(text, i, end)
        if (shaped > i) {
          spans.push({ start: i, end: shaped })
          i = shaped
          continue
        }
        // A parenthesis may open the text around a number, not its area code: `(415-555-2671 x12)`. The next
        // group may start a number the run's first one did not (`ref 12 415-555-2671`).
        if (c === OPEN && !international) i++
        else i = international || end <= i ? Math.max(end, i + 1) : nextGroup(text, i, end)
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

/** Whether some run of digits and phone separators holds 10 digits, the fewest a national shape has. */
function hasLongRun(text: string): boolean {
  let digits = 0
  const n = text.length
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c <= 57 && c >= 48) {
      if (++digits >= 10) return true
    } else if (c !== SPACE && c !== DASH && c !== DOT && c !== OPEN && c !== CLOSE) digits = 0
  }
  return false
}

function hasDigits(text: string, start: number, end: number, wanted: number): boolean {
  let n = 0
  for (let i = start; i < end; i++) if (isDigit(text.charCodeAt(i)) && ++n >= wanted) return true
  return false
}

/** Start of the run's second digit group, or `end` when it has one group. */
function nextGroup(text: string, start: number, end: number): number {
  let i = start
  while (i < end && (isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === OPEN)) i++
  while (i < end && !isDigit(text.charCodeAt(i))) i++
  return i > start ? i : start + 1
}

/**
 * Free text, no `+`: the end of the longest prefix of the run [start, end) made of whole digit groups that
 * has a national shape, or -1. Shapes (each group's separator a single space, dash or dot, the same one
 * throughout; a first group may be parenthesised):
 * - North American: [1] + 3 + 3 + 4 digits, area code and exchange starting 2–9 (NANP);
 * - trunk-prefixed: a leading 0 (or the 00 of an international call), 2–5 groups of 2–6 digits (the last
 *   up to 9), 10–13 digits in all (UK, France, Germany, …), dashes or spaces only.
 * Dates, versions, amounts, ISBNs, UUIDs and postcodes have other group shapes, or end on a group of one.
 */
function nationalEnd(text: string, start: number, end: number): number {
  const groups: Array<{ start: number; end: number }> = []
  let sep = -1
  let i = start
  let paren = text.charCodeAt(i) === OPEN
  if (paren) i++
  while (i < end && groups.length < 6) {
    const from = i
    while (i < end && isDigit(text.charCodeAt(i))) i++
    if (i === from) return -1
    groups.push({ start: from, end: i })
    if (i >= end) break
    let c = text.charCodeAt(i)
    if (c === CLOSE) {
      if (!paren || groups.length !== 1) return -1
      paren = false
      c = text.charCodeAt(++i)
      if (isDigit(c)) continue // `(415)555-2671`
    }
    if (c !== SPACE && c !== DASH && c !== DOT) break
    if (groups.length > 1 || text.charCodeAt(i - 1) !== CLOSE) {
      if (sep !== -1 && sep !== c) break
      sep = c
    }
    i++
  }
  if (paren) return -1
  for (let n = groups.length; n >= 2; n--) {
    const last = groups[n - 1]!
    const next = codeAt(text, last.end)
    // A group cut off by a letter or a decimal part is not where a number ends.
    if (
      isAlnum(next) ||
      next === 95 ||
      ((next === DOT || next === 44) && isDigit(codeAt(text, last.end + 1)))
    )
      continue
    if (isNorthAmerican(text, groups, n) || isTrunkPrefixed(text, groups, n, sep)) return last.end
  }
  return -1
}

type Group = { start: number; end: number }
const lengthOf = (g: Group) => g.end - g.start

function isNorthAmerican(text: string, groups: readonly Group[], n: number): boolean {
  let first = 0
  if (n === 4 && lengthOf(groups[0]!) === 1 && text.charCodeAt(groups[0]!.start) === 49) first = 1
  if (n - first !== 3) return false
  const [area, exchange, line] = [groups[first]!, groups[first + 1]!, groups[first + 2]!]
  return (
    lengthOf(area) === 3 &&
    lengthOf(exchange) === 3 &&
    lengthOf(line) === 4 &&
    text.charCodeAt(area.start) >= 50 &&
    text.charCodeAt(exchange.start) >= 50
  )
}

function isTrunkPrefixed(text: string, groups: readonly Group[], n: number, sep: number): boolean {
  if (sep === DOT || n > 5) return false
  // A trunk 0, or the 00 of an international call written the European way (`0044 20 7946 0958`).
  if (text.charCodeAt(groups[0]!.start) !== 48) return false
  let digits = 0
  for (let k = 0; k < n; k++) {
    const length = lengthOf(groups[k]!)
    if (length < 2 || length > (k === n - 1 ? 9 : 6)) return false
    digits += length
  }
  // After 00 comes a whole E.164 number (up to 15 digits).
  const international = text.charCodeAt(groups[0]!.start + 1) === 48
  return digits >= 10 && digits <= (international ? 17 : 13)
}
