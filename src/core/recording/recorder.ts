import type { ActionRecord } from './events.ts'

export interface RecorderOptions {
  write: (batch: ActionRecord[]) => Promise<void>
  onError: (error: unknown, lost: number) => void
  flushIntervalMs?: number
  maxBatch?: number
  /** Past this many queued records new ones are dropped (and counted) rather than exhausting memory. */
  maxQueued?: number
}

/** Batches action records: the hot path only pushes to an array; a timer writes them in one transaction. */
export class Recorder {
  #queue: ActionRecord[] = []
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> = Promise.resolve()
  #dropped = 0
  readonly #options: Required<RecorderOptions>

  constructor(options: RecorderOptions) {
    this.#options = { flushIntervalMs: 200, maxBatch: 500, maxQueued: 100_000, ...options }
  }

  push(record: ActionRecord): void {
    if (this.#queue.length >= this.#options.maxQueued) {
      this.#dropped++
      return
    }
    this.#queue.push(record)
    if (this.#queue.length >= this.#options.maxBatch) void this.flush()
    else this.#timer ??= setTimeout(() => void this.flush(), this.#options.flushIntervalMs).unref()
  }

  /** Writes everything queued so far; resolves when written (or failed and reported). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    const batch = this.#queue
    this.#queue = []
    if (this.#dropped > 0) {
      // Overload must show in the operators' log, not vanish: report what was shed since the last flush.
      this.#options.onError(new Error('the recording queue was full'), this.#dropped)
      this.#dropped = 0
    }
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return
      try {
        await this.#options.write(batch)
      } catch (error) {
        this.#options.onError(error, batch.length)
      }
    })
    return this.#flushing
  }
}
