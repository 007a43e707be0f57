import type { Logger } from 'pino'
import type { AuditEventInput } from '../audit/events.ts'

const RETRY_INTERVAL_MS = 1_000
const MAX_QUEUED = 10_000

/**
 * Audit entries the data path must not lose (denials) but cannot wait for: appended in the background, in
 * order. One the store refused stays queued and is tried again every second; while any waits, `failure`
 * says why, so under `recording.onFailure: block` the data path refuses statements rather than act without
 * its audit trail.
 */
export class AuditRetryQueue {
  readonly #append: (event: AuditEventInput) => Promise<unknown>
  readonly #logger: Logger
  readonly #queue: AuditEventInput[] = []
  #failure: unknown
  #draining: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  #lost = 0

  constructor(append: (event: AuditEventInput) => Promise<unknown>, logger: Logger) {
    this.#append = append
    this.#logger = logger
  }

  get failure(): unknown {
    return this.#failure
  }

  submit(event: AuditEventInput): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.#lost++
      return
    }
    this.#queue.push(event)
    // While a retry waits, the store just refused: queue behind it rather than ask the store again per denial.
    if (this.#timer === undefined) void this.#startDrain()
  }

  /** Appends what is queued; resolves when the queue is empty or the store refused (then a retry waits). */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#startDrain()
  }

  get queued(): number {
    return this.#queue.length
  }

  /** One drain at a time. It is forgotten only once it has settled: a drain of an empty queue finishes
   * synchronously, so clearing it from inside #drain would run before the assignment and leave a settled
   * promise in place, and no later submit would ever drain. */
  #startDrain(): Promise<void> {
    if (this.#draining === undefined) {
      const run: Promise<void> = this.#drain().finally(() => {
        if (this.#draining !== run) return
        this.#draining = undefined
        // Submitted between the drain's last look at the queue and now; a failed drain waits for its timer.
        if (this.#queue.length > 0 && this.#timer === undefined) void this.#startDrain()
      })
      this.#draining = run
    }
    return this.#draining
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      try {
        await this.#append(this.#queue[0]!)
      } catch (error) {
        if (this.#failure === undefined)
          this.#logger.error(
            { err: error },
            'could not audit a denial; retrying, and refusing statements meanwhile',
          )
        this.#failure = error
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined
          void this.#startDrain()
        }, RETRY_INTERVAL_MS).unref()
        return
      }
      this.#queue.shift()
      if (this.#failure !== undefined) {
        this.#failure = undefined
        this.#logger.info('denials are audited again')
      }
    }
    if (this.#lost > 0) {
      this.#logger.error({ lost: this.#lost }, 'denial audit entries were shed: the retry queue was full')
      this.#lost = 0
    }
  }
}
