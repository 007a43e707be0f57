/** A short-lived secret bound to one grant and one resource. Only hashes are stored. */
export interface Credential {
  grantId: string
  resourceId: string
  /** The login name clients present (e.g. the PostgreSQL user). */
  username: string
  /** sha256 of the secret, hex. */
  secretHash: string
  /** SCRAM-SHA-256 verifier so protocol front ends can run SCRAM without the clear secret. */
  scram: ScramVerifier
  expiresAt: Date
  createdAt: Date
}

export interface ScramVerifier {
  iterations: number
  salt: string // base64
  storedKey: string // base64
  serverKey: string // base64
}
