import type { Logger } from 'pino'

const RETRY_INTERVAL_MS = 2_000
const MAX_PENDING = 10_000

/**
 * Session ends the store refused (it was down or busy when the client left), tried again every few seconds.
 * Without this the session would stay `live` in the store for as long as this process runs: it is alive, so
 * no peer recovers it as a dead process's.
 */
export class SessionEndRetries {
  readonly #pending = new Map<string, () => Promise<void>>()
  readonly #logger: Logger
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(logger: Logger) {
    this.#logger = logger
  }

  add(sessionId: string, finish: () => Promise<void>): void {
    if (this.#pending.size >= MAX_PENDING) {
      this.#logger.error(
        { session: sessionId },
        'too many session ends waiting for the store; this one is dropped',
      )
      return
    }
    this.#pending.set(sessionId, finish)
    this.#timer ??= setInterval(() => {
      this.#running ??= this.#retry().finally(() => {
        this.#running = undefined
      })
    }, RETRY_INTERVAL_MS).unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
    await this.#retry()
    if (this.#pending.size > 0)
      this.#logger.error({ sessions: this.#pending.size }, 'session ends not recorded before shutdown')
  }

  async #retry(): Promise<void> {
    for (const [sessionId, finish] of this.#pending) {
      try {
        await finish()
      } catch {
        return // the store still refuses: the next round tries again
      }
      this.#pending.delete(sessionId)
    }
    if (this.#pending.size === 0 && this.#timer) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }
}
