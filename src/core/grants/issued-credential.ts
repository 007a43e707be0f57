/** The clear secret, shown once to the grant's owner. */
export interface IssuedCredential {
  grantId: string
  resourceId: string
  username: string
  password: string
  expiresAt: Date
  /** `kind`: the resource kind, which says how a client uses the rest (src/kinds/). */
  connection: {
    kind: string
    host: string
    port: number
    user: string
    password: string
    database?: string
    /** PEM of the CA a client verifies the resource's listener with, when the engine generated it. */
    certificateAuthority?: string
    /** The gateway's SSH host key line (`ssh-ed25519 AAAA…`) clients pin (SSH). */
    hostKey?: string
  }
}
