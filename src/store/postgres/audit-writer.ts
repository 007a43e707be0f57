// Group commit of the audit chain, per gateway process. Every append takes the chain's advisory lock, so
// appends from all replicas run one after another; one transaction per entry made a login burst (two
// entries per login, one per session end, hundreds of sessions ended at once by a survivor) queue on that
// lock while holding a pooled connection each, until the pool was exhausted and logins failed. Here the
// entries queued while one transaction runs go together in the next: one connection, one lock, one
// round trip per table, however many entries. A caller still resolves only once its entry is committed.
import type { AuditEntry, AuditEventInput } from '../../core/audit/events.ts'
import { TaskgateError } from '../../core/errors.ts'
import type { SessionRecord } from '../../core/recording/events.ts'
import { overGrantLimit, overPrincipalLimit } from '../../core/sessions/session-limits.ts'
import type { AuditWrite, HashEntry, SessionLimits } from '../store.ts'
import { chainEntries, lockAuditHead, writeAuditEntries } from './audit.ts'
import type { PgDatabase, Query } from './database.ts'
import { orNull, withoutNul } from './values.ts'

/** Entries per transaction: bounded so one transaction holds the lock for a bounded time. */
const MAX_BATCH = 250
/** Jobs waiting past this are refused at once (TG_STORE_BUSY): backpressure instead of an unbounded queue. */
const MAX_QUEUED = 5_000

type Job =
  | { kind: 'append'; event: AuditEventInput; at: Date; hashEntry: HashEntry; done: Settle<AuditEntry> }
  | {
      kind: 'start'
      session: SessionRecord
      audit: AuditWrite | undefined
      limits: SessionLimits | undefined
      done: Settle<void>
    }
  | { kind: 'end'; id: string; at: Date; reason: string; audit: AuditWrite; done: Settle<void> }

interface Settle<T> {
  resolve: (value: T) => void
  reject: (error: unknown) => void
}

export class AuditWriter {
  readonly #db: PgDatabase
  readonly #maxBatch: number
  readonly #maxQueued: number
  #queue: Job[] = []
  #draining: Promise<void> = Promise.resolve()
  /** Set and cleared synchronously (not by a promise callback): a job queued as the loop ends starts a new one. */
  #running = false

  constructor(db: PgDatabase, options: { maxBatch?: number; maxQueued?: number } = {}) {
    this.#db = db
    this.#maxBatch = options.maxBatch ?? MAX_BATCH
    this.#maxQueued = options.maxQueued ?? MAX_QUEUED
  }

  /** Appends one entry; resolves with it once committed. */
  append(event: AuditEventInput, at: Date, hashEntry: HashEntry): Promise<AuditEntry> {
    return new Promise((resolve, reject) =>
      this.#enqueue({ kind: 'append', event, at, hashEntry, done: { resolve, reject } }),
    )
  }

  /** Inserts a session with its entry (session.started), both in the same transaction; with `limits`,
   * refused (TG_SESSION_LIMIT) when the store holds that many live sessions of its grant or principal. */
  startSession(
    session: SessionRecord,
    audit: AuditWrite | undefined,
    limits: SessionLimits | undefined,
  ): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#enqueue({ kind: 'start', session, audit, limits, done: { resolve, reject } }),
    )
  }

  /** Ends a live session with its entry, in one transaction; the first end wins and a second appends nothing. */
  endSession(id: string, at: Date, reason: string, audit: AuditWrite): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#enqueue({ kind: 'end', id, at, reason, audit, done: { resolve, reject } }),
    )
  }

  /** Resolves once everything queued so far is written or refused (before the pool closes). */
  async drain(): Promise<void> {
    await this.#draining
  }

  #enqueue(job: Job): void {
    if (this.#queue.length >= this.#maxQueued) {
      job.done.reject(
        new TaskgateError('TG_STORE_BUSY', {
          detail: `${this.#queue.length} audit writes already wait for the store`,
        }),
      )
      return
    }
    this.#queue.push(job)
    if (this.#running) return
    this.#running = true
    this.#draining = this.#drain()
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) await this.#writeNextBatch()
    } finally {
      // In the same step as the loop's last check: nothing can be queued between the two.
      this.#running = false
    }
  }

  async #writeNextBatch(): Promise<void> {
    let batch: Job[] = []
    try {
      // The batch is taken once the connection is in hand: what queued while waiting for it joins.
      const results = await this.#db.transaction(async (query) => {
        batch = this.#queue.splice(0, this.#maxBatch)
        return writeBatch(query, batch)
      })
      for (const [i, job] of batch.entries()) settle(job, results[i])
    } catch (error) {
      if (batch.length === 0) {
        // No connection (unreachable, or busy past the wait): what waited that long fails with it.
        for (const job of this.#queue.splice(0)) job.done.reject(error)
      } else if (batch.length > 1 && isOneWriteFault(error)) {
        // One bad write (a duplicate id, a value the server refuses) must not fail its neighbours.
        for (const job of batch) await this.#writeAlone(job)
      } else {
        for (const job of batch) job.done.reject(error)
      }
    }
  }

  async #writeAlone(job: Job): Promise<void> {
    try {
      const [result] = await this.#db.transaction((query) => writeBatch(query, [job]))
      settle(job, result)
    } catch (error) {
      job.done.reject(error)
    }
  }
}

function settle(job: Job, result: AuditEntry | TaskgateError | undefined): void {
  if (result instanceof TaskgateError) job.done.reject(result)
  else if (job.kind === 'append') job.done.resolve(result as AuditEntry)
  else job.done.resolve()
}

const isOneWriteFault = (error: unknown) =>
  error instanceof TaskgateError &&
  (error.code === 'TG_ALREADY_EXISTS' || error.code === 'TG_REQUEST_INVALID' || error.code === 'TG_INTERNAL')

// Ends first, then the lock (as a lone end did): an end never waits on the audit lock while another
// holds it and waits on the end's row. The rows are locked in id order, so two survivors ending the same
// dead process's sessions at once cannot deadlock; a row already ended is skipped (the first end wins).
const END_SESSIONS = `WITH e AS (SELECT * FROM json_to_recordset($1::json) AS e (id text, at timestamptz, reason text)),
  locked AS (SELECT s.id FROM taskgate.sessions s JOIN e ON e.id = s.id WHERE s.ended_at IS NULL
    ORDER BY s.id FOR UPDATE OF s)
  UPDATE taskgate.sessions s SET ended_at = e.at, end_reason = e.reason FROM e
  WHERE s.id = e.id AND s.id IN (SELECT id FROM locked) RETURNING s.id`

const INSERT_SESSIONS = `INSERT INTO taskgate.sessions (id, grant_id, principal_id, principal_name, resource_id,
  protocol, client, started_at, ended_at, end_reason, process_id)
  SELECT id, grant_id, principal_id, principal_name, resource_id, protocol, client, started_at, ended_at,
    end_reason, process_id
  FROM json_to_recordset($1::json) AS s (id text, grant_id text, principal_id text, principal_name text,
    resource_id text, protocol text, client text, started_at timestamptz, ended_at timestamptz, end_reason text,
    process_id text)`

/** Writes `jobs` in the caller's transaction; returns, per job, the entry it appended (if any) or the
 * error refusing it (a session over its limits). */
async function writeBatch(
  query: Query,
  jobs: readonly Job[],
): Promise<Array<AuditEntry | TaskgateError | undefined>> {
  const ended = await endSessions(query, jobs)
  const hasStarts = jobs.some((job) => job.kind === 'start')
  if (!hasStarts && !jobs.some((job) => job.kind === 'append') && ended.size === 0)
    return jobs.map(() => undefined)
  // Every limited insert counts under this lock: two processes cannot both see room for the last session.
  const head = await lockAuditHead(query)
  const refused = hasStarts ? await refuseOverLimits(query, jobs) : new Map<Job, TaskgateError>()
  // Per job, the entry it appends: an end only when its update ended the row (and only the first of
  // several ends of one session in the batch); a refused start none.
  const pending = jobs.map((job) => {
    if (job.kind === 'append') return job
    if (job.kind === 'start')
      return job.audit && !refused.has(job) ? { ...job.audit, at: job.session.startedAt } : undefined
    if (!ended.delete(job.id)) return undefined
    return { ...job.audit, at: job.at }
  })
  const starts = jobs.flatMap((job) => (job.kind === 'start' && !refused.has(job) ? [job.session] : []))
  if (starts.length > 0) {
    await query({
      name: 'tg.sessions.insert_batch',
      text: INSERT_SESSIONS,
      values: [JSON.stringify(starts.map(sessionRow), withoutNul)],
    })
  }
  const entries = chainEntries(
    pending.filter((p) => p !== undefined),
    head,
  )
  await writeAuditEntries(query, entries)
  let next = 0
  return jobs.map((job, i) => refused.get(job) ?? (pending[i] === undefined ? undefined : entries[next++]))
}

const LIVE_COUNTS = `SELECT 'grant' AS by, grant_id AS id, count(*)::int AS n FROM taskgate.sessions
    WHERE ended_at IS NULL AND grant_id = ANY($1::text[]) GROUP BY grant_id
  UNION ALL
  SELECT 'principal', principal_id, count(*)::int FROM taskgate.sessions
    WHERE ended_at IS NULL AND principal_id = ANY($2::text[]) GROUP BY principal_id`

/** The starts of `jobs` that would pass their limits, counting the live sessions in the store and the
 * batch's own starts before them. */
async function refuseOverLimits(query: Query, jobs: readonly Job[]): Promise<Map<Job, TaskgateError>> {
  const limited = jobs.flatMap((job) => (job.kind === 'start' && job.limits ? [job] : []))
  const refused = new Map<Job, TaskgateError>()
  if (limited.length === 0) return refused
  const { rows } = await query<{ by: string; id: string; n: number }>({
    name: 'tg.sessions.live_counts',
    text: LIVE_COUNTS,
    values: [
      [...new Set(limited.map((j) => j.session.grantId))],
      [...new Set(limited.map((j) => j.session.principalId))],
    ],
  })
  const live = new Map(rows.map((r) => [`${r.by}:${r.id}`, r.n]))
  for (const job of jobs) {
    if (job.kind !== 'start') continue
    const grantKey = `grant:${job.session.grantId}`
    const principalKey = `principal:${job.session.principalId}`
    const forGrant = live.get(grantKey) ?? 0
    const forPrincipal = live.get(principalKey) ?? 0
    if (job.limits && forGrant >= job.limits.perGrant)
      refused.set(job, overGrantLimit(job.session.grantId, forGrant))
    else if (job.limits && forPrincipal >= job.limits.perPrincipal)
      refused.set(job, overPrincipalLimit(job.session.principalName, forPrincipal))
    else if (job.session.endedAt === undefined) {
      live.set(grantKey, forGrant + 1)
      live.set(principalKey, forPrincipal + 1)
    }
  }
  return refused
}

async function endSessions(query: Query, jobs: readonly Job[]): Promise<Set<string>> {
  const ends = new Map<string, { id: string; at: Date; reason: string }>()
  for (const job of jobs) {
    if (job.kind === 'end' && !ends.has(job.id))
      ends.set(job.id, { id: job.id, at: job.at, reason: job.reason })
  }
  if (ends.size === 0) return new Set()
  const { rows } = await query<{ id: string }>({
    name: 'tg.sessions.end_batch',
    text: END_SESSIONS,
    values: [JSON.stringify([...ends.values()], withoutNul)],
  })
  return new Set(rows.map((r) => r.id))
}

const sessionRow = (s: SessionRecord) => ({
  id: s.id,
  grant_id: s.grantId,
  principal_id: s.principalId,
  principal_name: s.principalName,
  resource_id: s.resourceId,
  protocol: s.protocol,
  client: s.client,
  started_at: s.startedAt,
  ended_at: orNull(s.endedAt),
  end_reason: orNull(s.endReason),
  process_id: orNull(s.processId),
})
