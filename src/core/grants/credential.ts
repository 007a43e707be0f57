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
  /** What the resource kind's front end checks a login against without the clear secret, by kind
   * (src/kinds/ `credentialVerifiers`), e.g. `{ mysql: { mysqlNativePassword: hex, … } }`; core never reads
   * them. */
  verifiers: CredentialVerifiers
  expiresAt: Date
  createdAt: Date
}

/** kind -> verifier name -> the verifier, as text of the kind's own form. */
export type CredentialVerifiers = Record<string, Record<string, string>>
