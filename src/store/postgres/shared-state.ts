// Console sessions, sign-ins in flight and leases for the PostgreSQL store: what several gateways behind
// a load balancer must agree on. Single statements throughout, so two gateways racing on one key see one
// winner (INSERT … ON CONFLICT … WHERE, DELETE … RETURNING).
import type { LeaseStore, SharedStateStore } from '../store.ts'
import type { PgDatabase } from './database.ts'

export function createSharedStateStore(db: PgDatabase): SharedStateStore {
  return {
    async put(kind, key, value, expiresAt, now) {
      const { rowCount } = await db.query({
        name: 'tg.shared_state.put',
        text: `INSERT INTO taskgate.shared_state (kind, key, value, expires_at) VALUES ($1, $2, $3, $4)
          ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
          WHERE taskgate.shared_state.expires_at <= $5`,
        values: [kind, key, value, expiresAt, now],
      })
      return rowCount === 1
    },
    async get(kind, key, now) {
      const { rows } = await db.query<{ value: string }>({
        name: 'tg.shared_state.get',
        text: 'SELECT value FROM taskgate.shared_state WHERE kind = $1 AND key = $2 AND expires_at > $3',
        values: [kind, key, now],
      })
      return rows[0]?.value
    },
    async take(kind, key, now) {
      const { rows } = await db.query<{ value: string; expires_at: Date }>({
        name: 'tg.shared_state.take',
        text: 'DELETE FROM taskgate.shared_state WHERE kind = $1 AND key = $2 RETURNING value, expires_at',
        values: [kind, key],
      })
      const row = rows[0]
      return row && row.expires_at > now ? row.value : undefined
    },
    async replace(kind, key, value, now) {
      const { rowCount } = await db.query({
        name: 'tg.shared_state.replace',
        text: `UPDATE taskgate.shared_state SET value = $3 WHERE kind = $1 AND key = $2 AND expires_at > $4`,
        values: [kind, key, value, now],
      })
      return rowCount === 1
    },
    async delete(kind, key) {
      await db.query({
        name: 'tg.shared_state.delete',
        text: 'DELETE FROM taskgate.shared_state WHERE kind = $1 AND key = $2',
        values: [kind, key],
      })
    },
    async count(kind, now) {
      const { rows } = await db.query<{ n: string }>({
        name: 'tg.shared_state.count',
        text: 'SELECT count(*) AS n FROM taskgate.shared_state WHERE kind = $1 AND expires_at > $2',
        values: [kind, now],
      })
      return Number(rows[0]?.n ?? 0)
    },
    async sweep(now) {
      const { rowCount } = await db.query({
        name: 'tg.shared_state.sweep',
        text: 'DELETE FROM taskgate.shared_state WHERE expires_at <= $1',
        values: [now],
      })
      return rowCount
    },
  }
}

export function createLeaseStore(db: PgDatabase): LeaseStore {
  return {
    async acquire(name, holder, ttlMs) {
      const { rowCount } = await db.query({
        name: 'tg.leases.acquire',
        text: `INSERT INTO taskgate.leases (name, holder, expires_at)
            VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3::double precision / 1000))
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
          WHERE taskgate.leases.holder = excluded.holder OR taskgate.leases.expires_at <= clock_timestamp()`,
        values: [name, holder, ttlMs],
      })
      return rowCount === 1
    },
    async release(name, holder) {
      await db.query({
        name: 'tg.leases.release',
        text: 'DELETE FROM taskgate.leases WHERE name = $1 AND holder = $2',
        values: [name, holder],
      })
    },
    async holder(name) {
      const { rows } = await db.query<{ holder: string }>({
        name: 'tg.leases.holder',
        text: 'SELECT holder FROM taskgate.leases WHERE name = $1 AND expires_at > clock_timestamp()',
        values: [name],
      })
      return rows[0]?.holder
    },
  }
}
