// Console sessions, sign-ins in flight and leases for the embedded store: shared by the processes of one
// gateway (`workers`), which all open the same SQLite file. Instants are epoch ms.
import type { LeaseStore, SharedStateStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { text } from './values.ts'

export function createSharedStateStore(db: EmbeddedDatabase): SharedStateStore {
  const put = db.statement(`INSERT INTO shared_state (kind, key, value, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
    WHERE shared_state.expires_at <= ?`)
  const get = db.statement('SELECT value FROM shared_state WHERE kind = ? AND key = ? AND expires_at > ?')
  const take = db.statement('DELETE FROM shared_state WHERE kind = ? AND key = ? RETURNING value, expires_at')
  const replace = db.statement(
    'UPDATE shared_state SET value = ? WHERE kind = ? AND key = ? AND expires_at > ?',
  )
  const remove = db.statement('DELETE FROM shared_state WHERE kind = ? AND key = ?')
  const count = db.statement('SELECT count(*) AS n FROM shared_state WHERE kind = ? AND expires_at > ?')
  const sweep = db.statement('DELETE FROM shared_state WHERE expires_at <= ?')
  return {
    put: (kind, key, value, expiresAt, now) =>
      guarded(() => Number(put.run(kind, key, value, expiresAt.getTime(), now.getTime()).changes) === 1),
    get: (kind, key, now) =>
      guarded(() => {
        const row = get.get(kind, key, now.getTime())
        return row ? text(row.value) : undefined
      }),
    take: (kind, key, now) =>
      guarded(() => {
        const row = take.get(kind, key)
        return row && Number(row.expires_at) > now.getTime() ? text(row.value) : undefined
      }),
    replace: (kind, key, value, now) =>
      guarded(() => Number(replace.run(value, kind, key, now.getTime()).changes) === 1),
    delete: (kind, key) =>
      guarded(() => {
        remove.run(kind, key)
      }),
    count: (kind, now) => guarded(() => Number(count.get(kind, now.getTime())?.n ?? 0)),
    sweep: (now) => guarded(() => Number(sweep.run(now.getTime()).changes)),
  }
}

export function createLeaseStore(db: EmbeddedDatabase): LeaseStore {
  const acquire = db.statement(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`)
  const release = db.statement('DELETE FROM leases WHERE name = ? AND holder = ?')
  const holder = db.statement('SELECT holder FROM leases WHERE name = ? AND expires_at > ?')
  return {
    acquire: (name, who, ttlMs) =>
      guarded(() => {
        const now = Date.now()
        return Number(acquire.run(name, who, now + ttlMs, now).changes) === 1
      }),
    release: (name, who) =>
      guarded(() => {
        release.run(name, who)
      }),
    holder: (name) =>
      guarded(() => {
        const row = holder.get(name, Date.now())
        return row ? text(row.holder) : undefined
      }),
  }
}
