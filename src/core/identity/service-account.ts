/** An agent or automation identity, authenticated by a key whose hash alone is stored. */
export interface ServiceAccount {
  name: string
  groups: string[]
  kind: 'agent' | 'service'
  /** sha256 of the key secret, hex. */
  keyHash: string
  createdAt: Date
  createdBy: string
  disabledAt?: Date
  /** Deleted accounts keep their row (and so their name) but are never listed and never authenticate. */
  deletedAt?: Date
}
