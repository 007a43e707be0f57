import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Credential } from './credential.ts'
import type { Grant } from './grant.ts'

/**
 * How many live credentials one grant holds. Each `connect` / `grant env` issues one without ending the
 * others (two shells on one grant must not break each other's reconnects); past this many the oldest is
 * revoked, so a loop of reissues cannot grow the store or keep an unbounded number of secrets valid.
 */
export const MAX_CREDENTIALS_PER_GRANT = 20

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** Constant-time comparison of a secret against a stored sha256 hex digest. */
export function secretMatchesHash(secret: string, hashHex: string): boolean {
  const a = Buffer.from(sha256Hex(secret), 'hex')
  const b = Buffer.from(hashHex, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * A fresh secret for an active grant, the grant's `seq`-th; returns the record to store and the clear password
 * shown once. Each credential has its own login name so a login finds exactly one verifier (a challenge-response
 * login sends the salt before the client proves anything, so it cannot try several); the grant is in the name for operators.
 */
export function newCredential(
  grant: Grant,
  seq: number,
  now: Date,
  /** The resource kind's verifiers of the password (src/kinds/), stored with the credential. */
  verifiersOf: (password: string) => Record<string, string> | undefined = () => undefined,
  kind = '',
): { credential: Credential; password: string } {
  const password = `tgc_${randomBytes(32).toString('base64url')}`
  return {
    password,
    credential: {
      grantId: grant.id,
      resourceId: grant.resourceId,
      username: `${grant.id}_${seq}`,
      seq,
      secretHash: sha256Hex(password),
      verifiers: verifiersFor(kind, verifiersOf(password)),
      expiresAt: grant.expiresAt ?? now,
      createdAt: now,
    },
  }
}

function verifiersFor(kind: string, verifiers: Record<string, string> | undefined) {
  return verifiers === undefined ? {} : { [kind]: verifiers }
}
