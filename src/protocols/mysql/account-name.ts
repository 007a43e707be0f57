// Names of ephemeral accounts: `tg_` + 16 base32 characters of SHA-256(grant id) + `_` + the expiry in
// base-36 seconds, 27 characters in all (MariaDB and MySQL allow 32 in a user name:
// mariadb.com/kb/en/create-user/#user-name-component). The grant part is a hash of the WHOLE id, never a
// truncation (Vault's truncated names collided: hashicorp/vault#10476); 80 bits make an accidental
// collision negligible, and CREATE USER without IF NOT EXISTS turns any collision into a failed grant
// rather than a shared account. The expiry in the name lets any gateway process drop accounts it has no
// memory of once they are past it, with no state of its own (`isExpiredAccount`).
import { createHash } from 'node:crypto'

export const ACCOUNT_PREFIX = 'tg_'
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
const NAME = /^tg_[a-z2-7]{16}_([0-9a-z]{1,8})$/
/** The longest user name MariaDB and MySQL accept. */
export const MAX_USER_NAME_LENGTH = 32

function base32(bytes: Buffer, characters: number): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5 && out.length < characters) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  return out
}

/** The account of a grant that ends at `expiresAt`. */
export function accountNameFor(grantId: string, expiresAt: Date): string {
  const hash = base32(createHash('sha256').update(grantId, 'utf8').digest(), 16)
  const expiry = Math.ceil(expiresAt.getTime() / 1000).toString(36)
  return `${ACCOUNT_PREFIX}${hash}_${expiry}`
}

/** Whether `user` is an ephemeral account whose expiry has passed; false for any other name. */
export function isExpiredAccount(user: string, now: Date): boolean {
  const m = NAME.exec(user)
  return m !== null && Number.parseInt(m[1]!, 36) * 1000 <= now.getTime()
}
