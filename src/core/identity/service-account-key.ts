import { randomBytes } from 'node:crypto'
import { secretMatchesHash, sha256Hex } from '../grants/issue-credential.ts'

const KEY = /^tgk_([a-z0-9][a-z0-9-]*)\.([A-Za-z0-9_-]{20,})$/

/** A new key `tgk_<name>.<secret>`; only the hash is stored. The name lets us find the account in O(1). */
export function newServiceAccountKey(name: string): { key: string; keyHash: string } {
  const key = `tgk_${name}.${randomBytes(32).toString('base64url')}`
  return { key, keyHash: sha256Hex(key) }
}

export function parseServiceAccountKey(token: string): { name: string } | undefined {
  const m = KEY.exec(token)
  return m ? { name: m[1]! } : undefined
}

export function keyMatches(key: string, keyHash: string): boolean {
  return secretMatchesHash(key, keyHash)
}
