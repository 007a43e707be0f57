// Character classes by code unit: the scanners test one char at a time instead of running regexes that
// can backtrack on long values.

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90
}

export function isLower(c: number): boolean {
  return c >= 97 && c <= 122
}

export function isAlpha(c: number): boolean {
  return isUpper(c) || isLower(c)
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c)
}

export function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
}

/** base64url alphabet (RFC 4648 §5). */
export function isBase64Url(c: number): boolean {
  return isAlnum(c) || c === 45 /* - */ || c === 95 /* _ */
}

/** The char code at `i`, or -1 outside the text: boundary checks read past both ends safely. */
export function codeAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1
}

export const SPACE = 32
export const DASH = 45
export const DOT = 46
export const PLUS = 43
