import type { Credential } from '../../core/grants/credential.ts'
import type { CredentialStore } from '../store.ts'
import type { PgDatabase } from './database.ts'

interface CredentialRow {
  grant_id: string
  resource_id: string
  username: string
  seq: number
  secret_hash: string
  verifiers: Credential['verifiers']
  expires_at: Date
  created_at: Date
}

export function createCredentialStore(db: PgDatabase): CredentialStore {
  return {
    insert: (c, keepNewest) =>
      db.transaction(async (query) => {
        await query({
          name: 'tg.credentials.insert',
          text: `INSERT INTO taskgate.credentials (resource_id, username, grant_id, seq, secret_hash,
            verifiers, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          values: [
            c.resourceId,
            c.username,
            c.grantId,
            c.seq,
            c.secretHash,
            JSON.stringify(c.verifiers),
            c.expiresAt,
            c.createdAt,
          ],
        })
        if (keepNewest === undefined) return []
        const { rows } = await query<{ username: string; seq: number }>({
          name: 'tg.credentials.deleteOlder',
          text: 'DELETE FROM taskgate.credentials WHERE grant_id = $1 AND seq <= $2 RETURNING username, seq',
          values: [c.grantId, c.seq - keepNewest],
        })
        return rows.sort((a, b) => a.seq - b.seq).map((row) => row.username)
      }),
    async findByUsername(resourceId, username) {
      const { rows } = await db.query<CredentialRow>({
        name: 'tg.credentials.findByUsername',
        text: 'SELECT * FROM taskgate.credentials WHERE resource_id = $1 AND username = $2',
        values: [resourceId, username],
      })
      return rows[0] && toCredential(rows[0])
    },
    async listForGrant(grantId) {
      const { rows } = await db.query<CredentialRow>({
        name: 'tg.credentials.listForGrant',
        text: 'SELECT * FROM taskgate.credentials WHERE grant_id = $1 ORDER BY seq',
        values: [grantId],
      })
      return rows.map(toCredential)
    },
    async deleteForGrant(grantId) {
      await db.query({
        name: 'tg.credentials.deleteForGrant',
        text: 'DELETE FROM taskgate.credentials WHERE grant_id = $1',
        values: [grantId],
      })
    },
    async deleteExpiredBefore(before) {
      const { rowCount } = await db.query({
        name: 'tg.credentials.deleteExpiredBefore',
        text: 'DELETE FROM taskgate.credentials WHERE expires_at < $1',
        values: [before],
      })
      return rowCount ?? 0
    },
  }
}

function toCredential(row: CredentialRow): Credential {
  return {
    grantId: row.grant_id,
    resourceId: row.resource_id,
    username: row.username,
    seq: row.seq,
    secretHash: row.secret_hash,
    verifiers: row.verifiers,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  }
}
