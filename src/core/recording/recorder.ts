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

const keyOf = (r: ActionRecord): string => `${r.sessionId}\u0000${r.seq}`

/**
 * Batches action records: the hot path only puts them in a map; a timer writes them in one transaction. A
 * record is keyed by session and seq, so a statement's outcome pushed before its start was written replaces
 * it in the queue (one row, written once). A batch that fails stays queued and is tried again until the store
 * takes it; until then `failure` says why, so the data path can refuse what it could not record.
 */
export class Recorder {
  #queue = new Map<string, ActionRecord>()
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
    return this.#queue.size
  }

  push(record: ActionRecord): void {
    const key = keyOf(record)
    if (!this.#queue.has(key) && this.#queue.size >= this.#options.maxQueued) {
      this.#dropped++
      return
    }
    this.#queue.set(key, record)
    if (this.#queue.size >= this.#options.maxBatch) void this.flush()
    else this.#schedule(this.#options.flushIntervalMs)
  }

  /** Completes a record still queued (not yet being written) with `fields`, keeping its time, and marks it
   * final (stored once, never completed again); false when it is not queued (then push the whole record:
   * the store's upsert completes the row). */
  complete(sessionId: string, seq: number, fields: Partial<ActionRecord>): boolean {
    const queued = this.#queue.get(`${sessionId}\u0000${seq}`)
    if (queued === undefined) return false
    const { at } = queued
    Object.assign(queued, fields)
    queued.at = at
    queued.final = true
    return true
  }

  /** Pushes `record` and writes it at once (with whatever else is queued): resolves when it is in the store,
   * rejects with the store's error when it could not be written (it stays queued for a retry). */
  pushDurable(record: ActionRecord): Promise<void> {
    const key = keyOf(record)
    if (!this.#queue.has(key) && this.#queue.size >= this.#options.maxQueued) {
      return Promise.reject(new Error('the recording queue is full'))
    }
    this.#queue.set(key, record)
    const done = new Promise<void>((resolve, reject) => {
      const waiters = this.#waiters.get(key) ?? []
      waiters.push({ resolve, reject })
      this.#waiters.set(key, waiters)
    })
    void this.flush()
    return done
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
    while (this.#queue.size > 0) {
      // Keys and records side by side, read off the queue as they are: no key is built again per batch.
      const keys: string[] = []
      const batch: ActionRecord[] = []
      for (const [key, record] of this.#queue) {
        keys.push(key)
        batch.push(record)
        if (batch.length >= this.#options.maxBatch) break
      }
      for (const key of keys) this.#queue.delete(key)
      try {
        await this.#options.write(batch)
      } catch (error) {
        // Back in front of what was pushed meanwhile, unless a newer version of a record replaced it.
        const requeued = new Map<string, ActionRecord>()
        keys.forEach((key, i) => {
          if (!this.#queue.has(key)) requeued.set(key, batch[i]!)
        })
        for (const [key, record] of this.#queue) requeued.set(key, record)
        this.#queue = requeued
        this.#settle(keys, error)
        if (this.#failure === undefined) {
          this.#failure = error
          this.#options.onError(error, 0)
          this.#options.onHealthChange?.(error)
        } else this.#failure = error
        this.#schedule(this.#options.retryIntervalMs)
        return
      }
      this.#settle(keys, undefined)
      if (this.#failure !== undefined) {
        this.#failure = undefined
        this.#options.onHealthChange?.(undefined)
      }
    }
  }

  #settle(keys: readonly string[], error: unknown): void {
    // Most batches carry no durable record: nothing to look up then.
    if (this.#waiters.size === 0) return
    for (const key of keys) {
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
