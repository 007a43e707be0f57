import type { Credential, CredentialVerifiers } from '../../core/grants/credential.ts'
import type { CredentialStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, json, type Row, text } from './values.ts'

export function createCredentialStore(db: EmbeddedDatabase): CredentialStore {
  const insert =
    db.statement(`INSERT INTO credentials (resource_id, username, grant_id, seq, secret_hash, verifiers,
    expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
  const deleteOlder = db.statement(
    'DELETE FROM credentials WHERE grant_id = ? AND seq <= ? RETURNING username, seq',
  )
  const findByUsername = db.statement('SELECT * FROM credentials WHERE resource_id = ? AND username = ?')
  const listForGrant = db.statement('SELECT * FROM credentials WHERE grant_id = ? ORDER BY seq')
  const deleteForGrant = db.statement('DELETE FROM credentials WHERE grant_id = ?')
  const deleteExpiredBefore = db.statement('DELETE FROM credentials WHERE expires_at < ?')

  return {
    insert: (c, keepNewest) =>
      guarded(() =>
        db.transaction(() => {
          insert.run(
            c.resourceId,
            c.username,
            c.grantId,
            c.seq,
            c.secretHash,
            JSON.stringify(c.verifiers),
            c.expiresAt.getTime(),
            c.createdAt.getTime(),
          )
          if (keepNewest === undefined) return []
          return deleteOlder
            .all(c.grantId, c.seq - keepNewest)
            .sort((a, b) => Number(a.seq) - Number(b.seq))
            .map((row) => text(row.username))
        }),
      ),
    findByUsername: (resourceId, username) =>
      guarded(() => {
        const row = findByUsername.get(resourceId, username)
        return row ? toCredential(row) : undefined
      }),
    listForGrant: (grantId) => guarded(() => listForGrant.all(grantId).map(toCredential)),
    deleteForGrant: (grantId) =>
      guarded(() => {
        deleteForGrant.run(grantId)
      }),
    deleteExpiredBefore: (before) => guarded(() => Number(deleteExpiredBefore.run(before.getTime()).changes)),
  }
}

function toCredential(row: Row): Credential {
  return {
    grantId: text(row.grant_id),
    resourceId: text(row.resource_id),
    username: text(row.username),
    seq: Number(row.seq),
    secretHash: text(row.secret_hash),
    verifiers: json<CredentialVerifiers>(row.verifiers),
    expiresAt: date(row.expires_at),
    createdAt: date(row.created_at),
  }
}
