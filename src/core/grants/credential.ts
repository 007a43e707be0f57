/**
 * A short-lived secret bound to one grant and one resource. Only hashes are stored. A grant holds up to
 * MAX_CREDENTIALS_PER_GRANT of them at once (each `connect` or `grant env` issues one); all go with the grant.
 */
export interface Credential {
  grantId: string
  resourceId: string
  /** The login name clients present (e.g. the PostgreSQL user): `<grantId>_<seq>`, one per credential. */
  username: string
  /** 1, 2, ... in the order the grant's credentials were issued; the cap removes the lowest first. */
  seq: number
  /** sha256 of the secret, hex. */
  secretHash: string
  /** SCRAM-SHA-256 verifier so protocol front ends can run SCRAM without the clear secret. */
  scram: ScramVerifier
  /** Verifiers other resource kinds' front ends check a login against without the clear secret, by kind
   * (src/kinds/ `credentialVerifiers`), e.g. `{ mysql: { mysqlNativePassword: hex, … } }`. */
  verifiers: CredentialVerifiers
  expiresAt: Date
  createdAt: Date
}

/** kind -> verifier name -> hex. */
export type CredentialVerifiers = Record<string, Record<string, string>>

export interface ScramVerifier {
  iterations: number
  salt: string // base64
  storedKey: string // base64
  serverKey: string // base64
}
