// Issuer identification number ranges and lengths of the networks we recognise. A number must fall in
// one of them as well as pass Luhn: together they turn a 1-in-10 chance into a few in a thousand.

interface Issuer {
  name: string
  /** [low, high] inclusive, compared on the first `digits` digits. */
  ranges: ReadonlyArray<readonly [number, number, number]>
  lengths: readonly number[]
}

const ISSUERS: readonly Issuer[] = [
  { name: 'visa', ranges: [[1, 4, 4]], lengths: [13, 16, 19] },
  {
    name: 'mastercard',
    ranges: [
      [2, 51, 55],
      [4, 2221, 2720],
    ],
    lengths: [16],
  },
  {
    name: 'amex',
    ranges: [
      [2, 34, 34],
      [2, 37, 37],
    ],
    lengths: [15],
  },
  {
    name: 'discover',
    ranges: [
      [4, 6011, 6011],
      [3, 644, 649],
      [2, 65, 65],
      [6, 622126, 622925],
    ],
    lengths: [16, 17, 18, 19],
  },
  { name: 'jcb', ranges: [[4, 3528, 3589]], lengths: [16, 17, 18, 19] },
  {
    name: 'diners',
    ranges: [
      [3, 300, 305],
      [4, 3095, 3095],
      [2, 36, 36],
      [2, 38, 39],
    ],
    lengths: [14, 15, 16, 17, 18, 19],
  },
  { name: 'unionpay', ranges: [[2, 62, 62]], lengths: [16, 17, 18, 19] },
]

// By length, the ranges that allow it: a candidate is checked against its own length's ranges only.
const RANGES_BY_LENGTH: ReadonlyArray<ReadonlyArray<readonly [string, number, number, number]>> = Array.from(
  { length: 20 },
  (_, length) =>
    ISSUERS.flatMap((issuer) =>
      issuer.lengths.includes(length)
        ? issuer.ranges.map(([width, low, high]) => [issuer.name, width, low, high] as const)
        : [],
    ),
)

/** The issuer whose range and length fit the first `length` digit values of `digits`, or undefined. */
export function cardIssuer(digits: Uint8Array, length: number): string | undefined {
  const ranges = RANGES_BY_LENGTH[length]
  if (ranges === undefined) return undefined
  for (const [name, width, low, high] of ranges) {
    let prefix = 0
    for (let i = 0; i < width; i++) prefix = prefix * 10 + digits[i]!
    if (prefix >= low && prefix <= high) return name
  }
  return undefined
}
