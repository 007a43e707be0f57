import { randomBytes } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** A random id with a type prefix, lowercase alphanumerics only so it is also a valid unquoted SQL name. */
export function newId(prefix: string, length = 14): string {
  const bytes = randomBytes(length)
  let out = prefix
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length]
  return out
}
