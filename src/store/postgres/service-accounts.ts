import type { ServiceAccount } from '../../core/identity/service-account.ts'
import type { ServiceAccountStore } from '../store.ts'
import type { PgDatabase } from './database.ts'
import { orNull, withOptional } from './values.ts'

interface ServiceAccountRow {
  name: string
  groups: string[]
  kind: ServiceAccount['kind']
  key_hash: string
  created_at: Date
  created_by: string
  disabled_at: Date | null
  deleted_at: Date | null
}

export function createServiceAccountStore(db: PgDatabase): ServiceAccountStore {
  return {
    async insert(a) {
      await db.query({
        name: 'tg.serviceAccounts.insert',
        text: `INSERT INTO taskgate.service_accounts (name, groups, kind, key_hash, created_at, created_by, disabled_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        values: [
          a.name,
          JSON.stringify(a.groups),
          a.kind,
          a.keyHash,
          a.createdAt,
          a.createdBy,
          orNull(a.disabledAt),
        ],
      })
    },
    async get(name) {
      const { rows } = await db.query<ServiceAccountRow>({
        name: 'tg.serviceAccounts.get',
        text: 'SELECT * FROM taskgate.service_accounts WHERE name = $1',
        values: [name],
      })
      return rows[0] && toServiceAccount(rows[0])
    },
    async list() {
      // COLLATE "C": byte order, the same as the embedded store, whatever the database's locale.
      const { rows } = await db.query<ServiceAccountRow>({
        name: 'tg.serviceAccounts.list',
        text: 'SELECT * FROM taskgate.service_accounts WHERE deleted_at IS NULL ORDER BY name COLLATE "C"',
      })
      return rows.map(toServiceAccount)
    },
    async disable(name, at) {
      // The first disable wins: its instant is the one the audit log refers to.
      const r = await db.query({
        name: 'tg.serviceAccounts.disable',
        text: 'UPDATE taskgate.service_accounts SET disabled_at = $1 WHERE name = $2 AND disabled_at IS NULL',
        values: [at, name],
      })
      return r.rowCount === 1
    },
    async delete(name, at) {
      const r = await db.query({
        name: 'tg.serviceAccounts.delete',
        text: `UPDATE taskgate.service_accounts SET deleted_at = $1, disabled_at = coalesce(disabled_at, $1)
          WHERE name = $2 AND deleted_at IS NULL`,
        values: [at, name],
      })
      return r.rowCount === 1
    },
    async setKeyHash(name, keyHash) {
      const r = await db.query({
        name: 'tg.serviceAccounts.setKeyHash',
        text: 'UPDATE taskgate.service_accounts SET key_hash = $1 WHERE name = $2',
        values: [keyHash, name],
      })
      return r.rowCount === 1
    },
  }
}

function toServiceAccount(row: ServiceAccountRow): ServiceAccount {
  return withOptional<ServiceAccount>(
    {
      name: row.name,
      groups: row.groups,
      kind: row.kind,
      keyHash: row.key_hash,
      createdAt: row.created_at,
      createdBy: row.created_by,
    },
    { disabledAt: row.disabled_at, deletedAt: row.deleted_at },
  )
}
