// The default store: one SQLite file (node:sqlite, built into Node 24), zero setup. Events stay in
// this process: the workers of one gateway (`workers`) share them over IPC (src/workers.ts); separate
// gateways use the PostgreSQL store.
import { ChannelListeners } from '../channel-listeners.ts'
import type { Store } from '../store.ts'
import { createApprovalStore } from './approvals.ts'
import { createAuditStore } from './audit.ts'
import { createAuditSinkStore } from './audit-sinks.ts'
import { createCredentialStore } from './credentials.ts'
import { guarded, openEmbeddedDatabase } from './database.ts'
import { createGrantStore } from './grants.ts'
import { createProcessStore } from './processes.ts'
import { createRecordingStore } from './recordings.ts'
import { createServiceAccountStore } from './service-accounts.ts'
import { createSessionStore } from './sessions.ts'
import { createLeaseStore, createSharedStateStore } from './shared-state.ts'

export interface EmbeddedStoreOptions {
  /** Directory holding `taskgate.db`; created if missing. */
  dir: string
  /** This process alone uses the file (a gateway with one process): the store then survives a fault on its
   * files as errors instead of a SIGBUS (database.ts). Several processes (`workers`) need it shared. */
  exclusive?: boolean
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<Store> {
  const db = openEmbeddedDatabase(options.dir, options.exclusive)
  const listeners = new ChannelListeners()
  let closed = false
  return {
    backend: 'embedded',
    grants: createGrantStore(db),
    credentials: createCredentialStore(db),
    serviceAccounts: createServiceAccountStore(db),
    approvals: createApprovalStore(db),
    audit: createAuditStore(db),
    auditSinks: createAuditSinkStore(db),
    sessions: createSessionStore(db),
    recordings: createRecordingStore(db),
    processes: createProcessStore(db),
    sharedState: createSharedStateStore(db),
    leases: createLeaseStore(db),
    subscribe: (channel, listener) => listeners.add(channel, listener),
    // Delivered on a later tick, as LISTEN/NOTIFY would: a publisher never runs listeners inline.
    publish: async (channel, payload) => {
      if (!closed) setImmediate(() => listeners.deliver(channel, payload))
    },
    health: () => guarded(() => ({ migrationsPending: db.pendingMigrations() })),
    close: async () => {
      closed = true
      listeners.clear()
      db.close()
    },
  }
}
