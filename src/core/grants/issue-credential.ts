import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Credential, ScramVerifier } from './credential.ts'
import type { Grant } from './grant.ts'

const SCRAM_ITERATIONS = 4096

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

/** RFC 5802 / RFC 7677 verifier; the clear password is never stored. */
export function scramVerifier(password: string, iterations = SCRAM_ITERATIONS): ScramVerifier {
  const salt = randomBytes(16)
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return {
    iterations,
    salt: salt.toString('base64'),
    storedKey: storedKey.toString('base64'),
    serverKey: serverKey.toString('base64'),
  }
}

/**
 * A fresh secret for an active grant, the grant's `seq`-th; returns the record to store and the clear password
 * shown once. Each credential has its own login name so a login finds exactly one verifier (SCRAM sends the
 * salt before the client proves anything, so it cannot try several); the grant is in the name for operators.
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
      scram: scramVerifier(password),
      verifiers: verifiersFor(kind, verifiersOf(password)),
      expiresAt: grant.expiresAt ?? now,
      createdAt: now,
    },
  }
}

function verifiersFor(kind: string, verifiers: Record<string, string> | undefined) {
  return verifiers === undefined ? {} : { [kind]: verifiers }
}
