import type { Credential } from '../../core/grants/credential.ts'
import type { CredentialStore } from '../store.ts'
import type { PgDatabase } from './database.ts'

interface CredentialRow {
  grant_id: string
  resource_id: string
  username: string
  secret_hash: string
  scram: Credential['scram']
  expires_at: Date
  created_at: Date
}

export function createCredentialStore(db: PgDatabase): CredentialStore {
  return {
    async insert(c) {
      await db.query({
        name: 'tg.credentials.insert',
        text: `INSERT INTO taskgate.credentials (resource_id, username, grant_id, secret_hash, scram, expires_at,
          created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        values: [
          c.resourceId,
          c.username,
          c.grantId,
          c.secretHash,
          JSON.stringify(c.scram),
          c.expiresAt,
          c.createdAt,
        ],
      })
    },
    async findByUsername(resourceId, username) {
      const { rows } = await db.query<CredentialRow>({
        name: 'tg.credentials.findByUsername',
        text: 'SELECT * FROM taskgate.credentials WHERE resource_id = $1 AND username = $2',
        values: [resourceId, username],
      })
      const row = rows[0]
      return (
        row && {
          grantId: row.grant_id,
          resourceId: row.resource_id,
          username: row.username,
          secretHash: row.secret_hash,
          scram: row.scram,
          expiresAt: row.expires_at,
          createdAt: row.created_at,
        }
      )
    },
    async deleteForGrant(grantId) {
      await db.query({
        name: 'tg.credentials.deleteForGrant',
        text: 'DELETE FROM taskgate.credentials WHERE grant_id = $1',
        values: [grantId],
      })
    },
  }
}
