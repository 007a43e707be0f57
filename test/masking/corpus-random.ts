// A seeded random source for the masking corpus: the same seed writes the same file, so the committed
// corpus can be checked against its generator.

export interface Random {
  next(): number
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  digits(count: number): string
  chars(alphabet: string, count: number): string
}

/** mulberry32: small, fast, and good enough for test data. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const chars = (alphabet: string, count: number) => {
    let out = ''
    for (let i = 0; i < count; i++) out += alphabet[int(0, alphabet.length - 1)]
    return out
  }
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    digits: (count) => chars('0123456789', count),
    chars,
  }
}

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
export const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
export const BASE64URL = `${ALNUM}-_`
export const BASE64 = `${ALNUM}+/`
export const HEX = '0123456789abcdef'
