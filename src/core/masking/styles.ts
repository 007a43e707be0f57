import { createHmac, createSecretKey, randomBytes } from 'node:crypto'
import { isAlnum, isDigit } from './detectors/chars.ts'

export const MASK_STYLES = ['redact', 'partial', 'hash', 'null'] as const

/**
 * How a matched value is shown: `redact` → `****`; `partial` keeps what helps debugging and identifies
 * no one (the last 4 of a card or phone, an e-mail's shape); `hash` → a keyed token, the same for the same
 * input under the same key, so joins and counts still work; `null` → SQL NULL (in running text, where a
 * NULL cannot stand for part of a value, `****`).
 */
export type MaskStyle = (typeof MASK_STYLES)[number]

/** Masks one value (or one span of a text) found by `detectorId`, or matched by a column rule (undefined). */
export type StyleFunction = (value: string, detectorId: string | undefined) => string | null

export const REDACTED = '****'

// 12 hex digits (48 bits): short enough to read in a result, and a collision between two distinct values
// stays unlikely up to millions of them (8 digits collide at ~77k values, which breaks counting).
const TOKEN_HEX_DIGITS = 12

/**
 * The style functions under one hash key. Without a configured key a random one is drawn: tokens are
 * then stable within this process only.
 */
export function createStyles(hashKey: Uint8Array | string | undefined): Record<MaskStyle, StyleFunction> {
  // A KeyObject spares createHmac from importing the key on every value (about a third of its cost).
  const bytes = typeof hashKey === 'string' ? Buffer.from(hashKey, 'utf8') : hashKey
  const key = createSecretKey(bytes === undefined || bytes.length === 0 ? randomBytes(32) : bytes)
  return {
    redact: () => REDACTED,
    partial: partialMask,
    hash: (value) =>
      `tok_${createHmac('sha256', key).update(value).digest('hex').slice(0, TOKEN_HEX_DIGITS)}`,
    null: () => null,
  }
}

export function partialMask(value: string, detectorId: string | undefined): string {
  switch (detectorId) {
    case 'card':
      return `**** **** **** ${lastDigits(value, 4)}`
    case 'email':
      return partialEmail(value)
    case 'ssn':
      return `***-**-${lastDigits(value, 4)}`
    case 'iban':
      return `${value.slice(0, 2).toUpperCase()}** **** ${lastAlnums(value, 4)}`
    case 'ip':
      return partialIp(value)
    case 'phone':
      return keepLast(value, 4, isDigit)
    case 'aws-access-key':
      return `${value.slice(0, 4)}${REDACTED}`
    case 'github-token':
    case 'slack-token':
    case 'stripe-key':
      return `${tokenPrefix(value)}${REDACTED}`
    case 'jwt':
    case 'private-key':
      return REDACTED
    default:
      if (value.includes('@')) return partialEmail(value)
      return countOf(value, isAlnum) >= 8 ? keepLast(value, 4, isAlnum) : REDACTED
  }
}

/** `jane.doe@mail.example.com` → `j****@*****.com`. */
function partialEmail(value: string): string {
  const at = value.lastIndexOf('@')
  const dot = value.lastIndexOf('.')
  if (at <= 0 || dot < at) return REDACTED
  return `${value[0]}****@*****${value.slice(dot)}`
}

/** `10.1.2.3` → `10.1.*.*`; `2001:db8::1` → `2001:****`. */
function partialIp(value: string): string {
  if (value.includes(':'))
    return value.startsWith(':') ? REDACTED : `${value.slice(0, value.indexOf(':'))}:${REDACTED}`
  const parts = value.split('.')
  return `${parts[0]}.${parts[1]}.*.*`
}

function tokenPrefix(value: string): string {
  const sep = Math.max(value.lastIndexOf('_', 11), value.indexOf('-'))
  return sep > 0 && sep <= 11 ? value.slice(0, sep + 1) : ''
}

/** Replaces every char of the class but the last `keep` with `*`, leaving separators in place. */
function keepLast(value: string, keep: number, isKind: (c: number) => boolean): string {
  // `cut`: where the kept tail starts; before it, every char of the class becomes `*`.
  let cut = value.length
  for (let i = value.length - 1, kept = 0; i >= 0 && kept < keep; i--) {
    if (isKind(value.charCodeAt(i))) {
      kept++
      cut = i
    }
  }
  let out = ''
  for (let i = 0; i < cut; i++) out += isKind(value.charCodeAt(i)) ? '*' : value[i]
  return out + value.slice(cut)
}

function lastDigits(value: string, count: number): string {
  return lastOf(value, count, isDigit)
}

function lastAlnums(value: string, count: number): string {
  return lastOf(value, count, isAlnum)
}

function lastOf(value: string, count: number, isKind: (c: number) => boolean): string {
  // Usually the last `count` are one run (`… 1111`): one slice instead of a string per char.
  let end = value.length
  while (end > 0 && !isKind(value.charCodeAt(end - 1))) end--
  let start = end
  while (start > end - count && start > 0 && isKind(value.charCodeAt(start - 1))) start--
  if (end - start === count) return value.slice(start, end)
  let out = ''
  for (let i = value.length - 1; i >= 0 && out.length < count; i--)
    if (isKind(value.charCodeAt(i))) out = value[i] + out
  return out
}

function countOf(value: string, isKind: (c: number) => boolean): number {
  let n = 0
  for (let i = 0; i < value.length; i++) if (isKind(value.charCodeAt(i))) n++
  return n
}
