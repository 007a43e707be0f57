import type { ActionRecord } from './events.ts'

export interface RecorderOptions {
  write: (batch: ActionRecord[]) => Promise<void>
  /** `lost` records were shed (queue full) and will never be written. */
  onError: (error: unknown, lost: number) => void
  /** Called when writing starts failing (with the error) and when it works again (undefined). */
  onHealthChange?: (failure: unknown) => void
  flushIntervalMs?: number
  maxBatch?: number
  /** Past this many queued records new ones are dropped (and counted) rather than exhausting memory. */
  maxQueued?: number
  /** While writes fail, how often the queued records are tried again. */
  retryIntervalMs?: number
}

interface Waiter {
  resolve: () => void
  reject: (error: unknown) => void
}

/** The fields a record's completion may set: every field but its key and time (the start's) and `final`. */
type CompletedField = Exclude<keyof ActionRecord, 'sessionId' | 'seq' | 'at' | 'final'>

/** Sets each of `fields` that is defined on `record`. Field by field rather than Object.assign, which cost
 * about a thousand instructions per statement (recording-micro under callgrind); `Unset` keeps the list whole
 * when ActionRecord gains a field. An undefined field leaves the start's value (no completion clears one). */
function completeWith(record: ActionRecord, fields: Partial<ActionRecord>): void {
  if (fields.kind !== undefined) record.kind = fields.kind
  if (fields.text !== undefined) record.text = fields.text
  if (fields.outcome !== undefined) record.outcome = fields.outcome
  if (fields.needs !== undefined) record.needs = fields.needs
  if (fields.rule !== undefined) record.rule = fields.rule
  if (fields.reason !== undefined) record.reason = fields.reason
  if (fields.rowCount !== undefined) record.rowCount = fields.rowCount
  if (fields.durationMs !== undefined) record.durationMs = fields.durationMs
  if (fields.error !== undefined) record.error = fields.error
  if (fields.result !== undefined) record.result = fields.result
  if (fields.masked !== undefined) record.masked = fields.masked
  if (fields.approvalId !== undefined) record.approvalId = fields.approvalId
  if (fields.approvedBy !== undefined) record.approvedBy = fields.approvedBy
  if (fields.approvedByName !== undefined) record.approvedByName = fields.approvedByName
}
type Unset = Exclude<
  CompletedField,
  | 'kind'
  | 'text'
  | 'outcome'
  | 'needs'
  | 'rule'
  | 'reason'
  | 'rowCount'
  | 'durationMs'
  | 'error'
  | 'result'
  | 'masked'
  | 'approvalId'
  | 'approvedBy'
  | 'approvedByName'
>
/** Does not compile while a field is missing from completeWith. */
const _completeWithIsWhole: [Unset] extends [never] ? true : Unset = true

const keyOf = (sessionId: string, seq: number): string => `${sessionId}\u0000${seq}`

/**
 * Batches action records: the hot path only puts them in a map; a timer writes them in one transaction. A
 * record is keyed by session and seq, so a statement's outcome pushed before its start was written replaces
 * it in the queue (one row, written once). A batch that fails stays queued and is tried again until the store
 * takes it; until then `failure` says why, so the data path can refuse what it could not record.
 */
export class Recorder {
  // By session, then seq, in push order: a session's id is the same string every time (its hash kept) and a
  // seq a small integer, so a statement's push and completion build no key string and hash none.
  #queue = new Map<string, Map<number, ActionRecord>>()
  #size = 0
  /** Durable pushes waiting for their write, by session and seq (keyOf): rare, off the hot path. */
  #waiters = new Map<string, Waiter[]>()
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> = Promise.resolve()
  #dropped = 0
  #failure: unknown
  readonly #options: Required<Omit<RecorderOptions, 'onHealthChange'>> &
    Pick<RecorderOptions, 'onHealthChange'>

  constructor(options: RecorderOptions) {
    this.#options = {
      flushIntervalMs: 200,
      maxBatch: 500,
      maxQueued: 100_000,
      retryIntervalMs: 1_000,
      ...options,
    }
  }

  /** The error of the last failed write while the store has not taken a batch since; undefined when healthy. */
  get failure(): unknown {
    return this.#failure
  }

  /** Records not yet in the store (a shutdown that cannot write them loses them). */
  get queued(): number {
    return this.#size
  }

  push(record: ActionRecord): void {
    if (!this.#put(record)) {
      this.#dropped++
      return
    }
    if (this.#size >= this.#options.maxBatch) void this.flush()
    else this.#schedule(this.#options.flushIntervalMs)
  }

  /** Completes a record still queued (not yet being written) with the defined `fields`, keeping its time, and marks it
   * final (stored once, never completed again) unless `final` is false; false when it is not queued (then push the whole record:
   * the store's upsert completes the row). */
  complete(sessionId: string, seq: number, fields: Partial<ActionRecord>, final = true): boolean {
    const queued = this.#queue.get(sessionId)?.get(seq)
    if (queued === undefined) return false
    completeWith(queued, fields)
    if (final) queued.final = true
    return true
  }

  /** Pushes `record` and writes it at once (with whatever else is queued): resolves when it is in the store,
   * rejects with the store's error when it could not be written (it stays queued for a retry). */
  pushDurable(record: ActionRecord): Promise<void> {
    if (!this.#put(record)) return Promise.reject(new Error('the recording queue is full'))
    const key = keyOf(record.sessionId, record.seq)
    const done = new Promise<void>((resolve, reject) => {
      const waiters = this.#waiters.get(key) ?? []
      waiters.push({ resolve, reject })
      this.#waiters.set(key, waiters)
    })
    void this.flush()
    return done
  }

  /** Queues `record`, replacing a queued one of the same session and seq; false when the queue is full
   * (`bounded`: records already taken once, put back after a failed write, are never shed). */
  #put(record: ActionRecord, bounded = true): boolean {
    let bySeq = this.#queue.get(record.sessionId)
    if (bySeq?.has(record.seq)) {
      bySeq.set(record.seq, record)
      return true
    }
    if (bounded && this.#size >= this.#options.maxQueued) return false
    if (bySeq === undefined) {
      bySeq = new Map()
      this.#queue.set(record.sessionId, bySeq)
    }
    bySeq.set(record.seq, record)
    this.#size++
    return true
  }

  /** Writes everything queued so far; resolves when written (or failed and reported). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#dropped > 0) {
      // Overload must show in the operators' log, not vanish: report what was shed since the last flush.
      this.#options.onError(new Error('the recording queue was full'), this.#dropped)
      this.#dropped = 0
    }
    this.#flushing = this.#flushing.then(() => this.#writeQueued())
    return this.#flushing
  }

  async #writeQueued(): Promise<void> {
    while (this.#size > 0) {
      const batch = this.#take(this.#options.maxBatch)
      try {
        await this.#options.write(batch)
      } catch (error) {
        this.#requeue(batch)
        this.#settle(batch, error)
        if (this.#failure === undefined) {
          this.#failure = error
          this.#options.onError(error, 0)
          this.#options.onHealthChange?.(error)
        } else this.#failure = error
        this.#schedule(this.#options.retryIntervalMs)
        return
      }
      this.#settle(batch, undefined)
      if (this.#failure !== undefined) {
        this.#failure = undefined
        this.#options.onHealthChange?.(undefined)
      }
    }
  }

  /** Up to `max` queued records, taken off the queue (a session's in push order). */
  #take(max: number): ActionRecord[] {
    const batch: ActionRecord[] = []
    for (const [sessionId, bySeq] of this.#queue) {
      for (const [seq, record] of bySeq) {
        if (batch.length >= max) break
        batch.push(record)
        bySeq.delete(seq)
      }
      if (bySeq.size === 0) this.#queue.delete(sessionId)
      if (batch.length >= max) break
    }
    this.#size -= batch.length
    return batch
  }

  /** A failed batch goes back in front of what was pushed meanwhile, unless a newer version of a record
   * (same session and seq) replaced it. */
  #requeue(batch: readonly ActionRecord[]): void {
    const pushed = this.#queue
    this.#queue = new Map()
    this.#size = 0
    for (const record of batch) if (!pushed.get(record.sessionId)?.has(record.seq)) this.#put(record, false)
    for (const bySeq of pushed.values()) for (const record of bySeq.values()) this.#put(record, false)
  }

  #settle(batch: readonly ActionRecord[], error: unknown): void {
    // Most batches carry no durable record: nothing to look up then.
    if (this.#waiters.size === 0) return
    for (const record of batch) {
      const key = keyOf(record.sessionId, record.seq)
      const waiters = this.#waiters.get(key)
      if (!waiters) continue
      this.#waiters.delete(key)
      for (const w of waiters) {
        if (error === undefined) w.resolve()
        else w.reject(error)
      }
    }
  }

  #schedule(ms: number): void {
    this.#timer ??= setTimeout(() => void this.flush(), ms).unref()
  }
}
