// The PostgreSQL store: for several gateways sharing one state. Tables live in the schema `taskgate`,
// migrated at start; events cross processes with LISTEN/NOTIFY.
import { ChannelListeners } from '../channel-listeners.ts'
import type { Store } from '../store.ts'
import { createApprovalStore } from './approvals.ts'
import { createAuditStore } from './audit.ts'
import { createAuditSinkStore } from './audit-sinks.ts'
import { AuditWriter } from './audit-writer.ts'
import { createCredentialStore } from './credentials.ts'
import { PgDatabase } from './database.ts'
import { createGrantStore } from './grants.ts'
import { migrate, pendingMigrations } from './migrate.ts'
import { CHANNEL_PREFIX, NotificationListener } from './notifications.ts'
import { createProcessStore } from './processes.ts'
import { createRecordingStore } from './recordings.ts'
import { createServiceAccountStore } from './service-accounts.ts'
import { createSessionStore } from './sessions.ts'
import { createLeaseStore, createSharedStateStore } from './shared-state.ts'

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string
  /** Connections in the pool (store.poolSize). */
  poolSize?: number
  /** How long a request waits in all for a connection while the pool is saturated (15 s). */
  busyWaitMs?: number
  /** How long the first connections (migration, LISTEN) may take to open (30 s): a store slow to accept on a
   * loaded host delays the start instead of failing it. A refused connection still fails at once. */
  startupConnectTimeoutMs?: number
}

const STARTUP_CONNECT_TIMEOUT_MS = 30_000

/** Opens the pool, migrates and starts listening; rejects with TG_STORE_UNAVAILABLE when the server
 * cannot be reached. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const db = new PgDatabase(options.url, options.poolSize, options.busyWaitMs)
  const listeners = new ChannelListeners()
  const notifications = new NotificationListener(options.url, (channel, payload) =>
    listeners.deliver(channel, payload),
  )
  try {
    const connectTimeoutMs = options.startupConnectTimeoutMs ?? STARTUP_CONNECT_TIMEOUT_MS
    await migrate(db, connectTimeoutMs)
    await notifications.start(connectTimeoutMs)
  } catch (error) {
    await notifications.close()
    await db.close()
    throw error
  }
  let closed = false
  const auditWriter = new AuditWriter(db)
  return {
    backend: 'postgres',
    grants: createGrantStore(db),
    credentials: createCredentialStore(db),
    serviceAccounts: createServiceAccountStore(db),
    approvals: createApprovalStore(db),
    audit: createAuditStore(db, auditWriter),
    auditSinks: createAuditSinkStore(db),
    sessions: createSessionStore(db, auditWriter),
    recordings: createRecordingStore(db),
    processes: createProcessStore(db),
    sharedState: createSharedStateStore(db),
    leases: createLeaseStore(db),
    subscribe: (channel, listener) => listeners.add(channel, listener),
    // Delivered to every listening instance, this one included (its LISTEN connection hears it too).
    // A payload is limited to 8000 bytes by PostgreSQL: send ids, not records.
    async publish(channel, payload) {
      await db.query({
        name: 'tg.publish',
        text: 'SELECT pg_notify($1, $2)',
        values: [`${CHANNEL_PREFIX}${channel}`, payload],
      })
    },
    // On the probe connection: a saturated pool is busy, not down (see PgDatabase.probe).
    health: async () => ({ migrationsPending: await pendingMigrations(db, db.probe) }),
    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      await notifications.close()
      await auditWriter.drain()
      await db.close()
    },
  }
}
