// SIEM export: one loop per sink reads the audit log after the sink's cursor, in batches of batchSize, and
// moves the cursor only once the sink has the batch. The audit log is the queue: nothing is buffered in
// memory beyond one batch per sink, a restart resumes after the stored cursor (at least once: a batch
// delivered just before a crash is sent again), and the data path never waits for a sink. Gateways sharing
// the store (replicas, workers) each run the loop, but only the holder of the sink's lease in the store
// exports; the others stand by and take over within a lease period when the holder stops or dies.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Store } from '../../../store/store.ts'
import type { RetryPolicy } from '../../approvals/notify/retry-delay.ts'
import { retryDelayMs } from '../../approvals/notify/retry-delay.ts'
import type { Clock } from '../../clock.ts'
import type { AuditEntry } from '../events.ts'
import { type AuditSink, type AuditSinkKind, describeSinkFailure, SinkDeliveryError } from './audit-sink.ts'

export interface AuditSinkStatus {
  id: string
  kind: AuditSinkKind
  /** seq of the last entry delivered (or dead-lettered). */
  cursor: number
  /** seq of the newest audit entry. */
  headSeq: number
  /** Entries written and not yet delivered. */
  lag: number
  deadLettered: number
  lastDeliveredAt?: Date
  /** Why the last attempt failed, while the sink is failing. */
  lastError?: string
  lastErrorAt?: Date
}

export interface AuditExporter {
  status(): Promise<AuditSinkStatus[]>
  close(): Promise<void>
}

export interface AuditExporterOptions {
  store: Store
  sinks: AuditSink[]
  clock: Clock
  logger: Logger
  /** How often an idle sink looks for new entries, and how long a sink that is not behind waits after a
   * batch before reading the next (so entries gather into batches); 1 s by default. */
  pollIntervalMs?: number
  /** Waits between failed attempts (outage or refusal). */
  retry?: Omit<RetryPolicy, 'maxAttempts'>
  /** Who this exporter is in the leases table (a gateway process id); a random id by default. */
  holder?: string
  /** How long a sink's lease lasts unrenewed (15 s): how soon a standby takes over from a dead exporter. */
  leaseMs?: number
}

interface SinkState {
  lastError?: string
  lastErrorAt?: Date
}

const DEFAULT_RETRY = { baseDelayMs: 500, maxDelayMs: 30_000 }
const DEFAULT_LEASE_MS = 15_000
/** A sink's last failure stays visible this long at most once nothing renews it. */
const ERROR_KEPT_MS = 7 * 24 * 60 * 60 * 1000

/** Why a sink failed, in the store: the console and CLI of every replica show what the exporting one saw. */
async function shareFailure(store: Store, sinkId: string, state: SinkState): Promise<void> {
  await store.sharedState.delete('audit_sink_error', sinkId)
  if (state.lastError === undefined || state.lastErrorAt === undefined) return
  const value = JSON.stringify({ error: state.lastError, at: state.lastErrorAt.toISOString() })
  const at = state.lastErrorAt
  await store.sharedState.put('audit_sink_error', sinkId, value, new Date(at.getTime() + ERROR_KEPT_MS), at)
}

async function sharedFailure(store: Store, sinkId: string): Promise<SinkState> {
  const text = await store.sharedState.get('audit_sink_error', sinkId, new Date())
  if (text === undefined) return {}
  const { error, at } = JSON.parse(text) as { error: string; at: string }
  return { lastError: error, lastErrorAt: new Date(at) }
}

/** The lease one sink's exporter holds: renewed once a third of it has passed, so a store round trip per
 * batch is not added to the export. */
function sinkLease(store: Store, sinkId: string, holder: string, ttlMs: number) {
  const name = `audit-export:${sinkId}`
  let renewedAt: number | undefined
  return {
    /** True while this exporter holds the lease (taking or renewing it when due); `fresh` when it was
     * just taken, so the caller re-reads the cursor another exporter may have moved. */
    async hold(): Promise<{ held: boolean; fresh: boolean }> {
      const now = Date.now()
      if (renewedAt !== undefined && now - renewedAt < ttlMs / 3) return { held: true, fresh: false }
      const held = await store.leases.acquire(name, holder, ttlMs)
      const fresh = held && renewedAt === undefined
      renewedAt = held ? now : undefined
      return { held, fresh }
    },
    lost(): void {
      renewedAt = undefined
    },
    release: () => store.leases.release(name, holder),
  }
}

export function startAuditExporter(options: AuditExporterOptions): AuditExporter {
  const { store, clock, logger } = options
  const stop = new AbortController()
  const states = new Map<string, SinkState>(options.sinks.map((s) => [s.id, {}]))
  const pause = (ms: number) => sleep(ms, undefined, { signal: stop.signal }).catch(() => {})
  const policy = { ...DEFAULT_RETRY, ...options.retry, maxAttempts: Number.POSITIVE_INFINITY }
  const pollMs = options.pollIntervalMs ?? 1000
  const holder = options.holder ?? randomUUID()
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS
  const leases = new Map(options.sinks.map((s) => [s.id, sinkLease(store, s.id, holder, leaseMs)]))

  async function run(sink: AuditSink, state: SinkState): Promise<void> {
    const log = logger.child({ sink: sink.id, kind: sink.kind })
    let cursor: number | undefined
    let failures = 0
    let refusals = 0
    const lease = leases.get(sink.id) ?? sinkLease(store, sink.id, holder, leaseMs)
    while (!stop.signal.aborted) {
      let batch: AuditEntry[] = []
      try {
        const { held, fresh } = await lease.hold()
        if (!held) {
          // Another gateway exports this sink: look again well within its lease period.
          cursor = undefined
          await pause(Math.min(leaseMs / 3, Math.max(pollMs, 1000)))
          continue
        }
        if (fresh) cursor = undefined
        cursor ??= await store.auditSinks.cursor(sink.id)
        batch = await store.audit.list({ afterSeq: cursor, limit: sink.batchSize })
        if (batch.length === 0) {
          await pause(pollMs)
          continue
        }
        await sink.deliver(batch)
        const last = batch.at(-1)?.seq ?? cursor
        await store.auditSinks.advance(sink.id, last, clock.now())
        cursor = last
        failures = 0
        refusals = 0
        if (state.lastError !== undefined) {
          delete state.lastError
          delete state.lastErrorAt
          await shareFailure(store, sink.id, state)
        }
        // Not a backlog: let entries gather before the next read. Reading again at once sent a batch of one
        // or two entries per loop under a steady trickle (denials while pgbench ran), each paying a store
        // query, a connection or request and an fsync on the gateway's event loop: the export-on tps cost.
        if (batch.length < sink.batchSize) await pause(pollMs)
        continue
      } catch (error) {
        if (stop.signal.aborted) return
        // The store may have failed between hold() and here: ask again rather than trust a stale lease.
        lease.lost()
        const reason = describeSinkFailure(error)
        const changed = state.lastError !== reason
        state.lastError = reason
        state.lastErrorAt = clock.now()
        // Once per change of reason: a long outage retried every 30 s does not rewrite it each time.
        if (changed) await shareFailure(store, sink.id, state).catch(() => {})
        if (error instanceof SinkDeliveryError && error.refused && batch.length > 0) {
          refusals++
          if (error.final || refusals >= (sink.maxAttempts ?? Number.POSITIVE_INFINITY)) {
            const letter = deadLetterFor(sink.id, batch, refusals, reason, clock.now())
            const stored = await store.auditSinks.deadLetter(letter).then(
              () => true,
              () => false,
            )
            if (stored) {
              log.error({ fromSeq: letter.fromSeq, toSeq: letter.toSeq, reason }, 'audit batch dead-lettered')
              cursor = letter.toSeq
              refusals = 0
              failures = 0
              continue
            }
          }
        }
        failures++
        log.warn({ reason, failures, afterSeq: cursor }, 'audit export failed; will retry')
      }
      await pause(retryDelayMs(failures, policy))
    }
  }

  const runners = options.sinks.map((sink) => run(sink, states.get(sink.id) ?? {}))
  return {
    async status() {
      const headSeq = (await store.audit.head())?.seq ?? 0
      const cursors = new Map((await store.auditSinks.list()).map((c) => [c.sinkId, c]))
      // What the exporting replica saw (this one, or another holding the sink's lease).
      const failures = await Promise.all(options.sinks.map((sink) => sharedFailure(store, sink.id)))
      return options.sinks.map((sink, i) => {
        const stored = cursors.get(sink.id)
        const cursor = stored?.seq ?? 0
        const state = failures[i]?.lastError !== undefined ? failures[i]! : (states.get(sink.id) ?? {})
        return {
          id: sink.id,
          kind: sink.kind,
          cursor,
          headSeq,
          lag: Math.max(0, headSeq - cursor),
          deadLettered: stored?.deadLettered ?? 0,
          ...(stored ? { lastDeliveredAt: stored.updatedAt } : {}),
          ...(state.lastError ? { lastError: state.lastError } : {}),
          ...(state.lastErrorAt ? { lastErrorAt: state.lastErrorAt } : {}),
        }
      })
    },
    async close() {
      stop.abort()
      await Promise.all(options.sinks.map((s) => s.close().catch(() => {})))
      await Promise.all(runners)
      // A standby takes over at once instead of after the lease runs out.
      await Promise.all([...leases.values()].map((l) => l.release().catch(() => {})))
    },
  }
}

function deadLetterFor(sinkId: string, batch: AuditEntry[], attempts: number, reason: string, at: Date) {
  return { sinkId, fromSeq: batch[0]?.seq ?? 0, toSeq: batch.at(-1)?.seq ?? 0, attempts, reason, at }
}
