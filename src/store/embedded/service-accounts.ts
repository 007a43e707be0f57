import type { ServiceAccount } from '../../core/identity/service-account.ts'
import type { ServiceAccountStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, json, type Row, text, toMs } from './values.ts'

export function createServiceAccountStore(db: EmbeddedDatabase): ServiceAccountStore {
  const insert =
    db.statement(`INSERT INTO service_accounts (name, groups, kind, key_hash, created_at, created_by,
    disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
  const get = db.statement('SELECT * FROM service_accounts WHERE name = ?')
  const list = db.statement('SELECT * FROM service_accounts WHERE deleted_at IS NULL ORDER BY name')
  // The first disable wins: its instant is the one the audit log refers to.
  const disable = db.statement(
    'UPDATE service_accounts SET disabled_at = ? WHERE name = ? AND disabled_at IS NULL',
  )
  const setKeyHash = db.statement('UPDATE service_accounts SET key_hash = ? WHERE name = ?')
  const remove =
    db.statement(`UPDATE service_accounts SET deleted_at = :at, disabled_at = coalesce(disabled_at, :at)
    WHERE name = :name AND deleted_at IS NULL`)

  return {
    insert: (a) =>
      guarded(() => {
        insert.run(
          a.name,
          JSON.stringify(a.groups),
          a.kind,
          a.keyHash,
          a.createdAt.getTime(),
          a.createdBy,
          toMs(a.disabledAt),
        )
      }),
    get: (name) =>
      guarded(() => {
        const row = get.get(name)
        return row ? toServiceAccount(row) : undefined
      }),
    list: () => guarded(() => list.all().map(toServiceAccount)),
    disable: (name, at) => guarded(() => disable.run(at.getTime(), name).changes === 1),
    setKeyHash: (name, keyHash) => guarded(() => setKeyHash.run(keyHash, name).changes === 1),
    delete: (name, at) => guarded(() => remove.run({ at: at.getTime(), name }).changes === 1),
  }
}

function toServiceAccount(row: Row): ServiceAccount {
  const account: ServiceAccount = {
    name: text(row.name),
    groups: json<string[]>(row.groups),
    kind: text(row.kind) as ServiceAccount['kind'],
    keyHash: text(row.key_hash),
    createdAt: date(row.created_at),
    createdBy: text(row.created_by),
  }
  if (row.disabled_at !== null) account.disabledAt = date(row.disabled_at)
  if (row.deleted_at !== null && row.deleted_at !== undefined) account.deletedAt = date(row.deleted_at)
  return account
}
