import type { Credential, ScramVerifier } from '../../core/grants/credential.ts'
import type { CredentialStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, json, type Row, text } from './values.ts'

export function createCredentialStore(db: EmbeddedDatabase): CredentialStore {
  const insert =
    db.statement(`INSERT INTO credentials (resource_id, username, grant_id, secret_hash, scram, expires_at,
    created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
  const findByUsername = db.statement('SELECT * FROM credentials WHERE resource_id = ? AND username = ?')
  const deleteForGrant = db.statement('DELETE FROM credentials WHERE grant_id = ?')

  return {
    insert: (c) =>
      guarded(() => {
        insert.run(
          c.resourceId,
          c.username,
          c.grantId,
          c.secretHash,
          JSON.stringify(c.scram),
          c.expiresAt.getTime(),
          c.createdAt.getTime(),
        )
      }),
    findByUsername: (resourceId, username) =>
      guarded(() => {
        const row = findByUsername.get(resourceId, username)
        return row ? toCredential(row) : undefined
      }),
    deleteForGrant: (grantId) =>
      guarded(() => {
        deleteForGrant.run(grantId)
      }),
  }
}

function toCredential(row: Row): Credential {
  return {
    grantId: text(row.grant_id),
    resourceId: text(row.resource_id),
    username: text(row.username),
    secretHash: text(row.secret_hash),
    scram: json<ScramVerifier>(row.scram),
    expiresAt: date(row.expires_at),
    createdAt: date(row.created_at),
  }
}
