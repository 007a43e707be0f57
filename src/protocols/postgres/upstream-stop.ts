// A statement still running upstream would run on (and a write commit) after the client is gone: when a
// session is ended under it, a CancelRequest goes upstream at once (a row being relayed is finished first:
// PostgreSQL acts on a cancel between messages); once the relay closes, the backend is terminated if it has
// not ended its connection within CANCEL_WAIT_MS.
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'

/** After a CancelRequest, how long the backend gets to finish and read our Terminate before it is terminated. */
const CANCEL_WAIT_MS = 500

export interface StopBackend {
  cancel(): Promise<void>
  terminate(): Promise<void>
}

export class UpstreamStop {
  readonly #stop: StopBackend | undefined
  readonly #upstream: Duplex
  readonly #logger: Logger
  /** Set once a CancelRequest went upstream. */
  #cancelled: Promise<void> | undefined
  #upstreamEnded = false

  constructor(stop: StopBackend | undefined, upstream: Duplex, logger: Logger) {
    this.#stop = stop
    this.#upstream = upstream
    this.#logger = logger
  }

  /** Cancels the upstream statement when one is in flight (`busy`). */
  cancel(busy: boolean): void {
    const stop = this.#stop
    if (!stop || !busy) return
    this.#upstreamEnded = this.#upstream.readableEnded
    this.#upstream.once('end', () => {
      this.#upstreamEnded = true
    })
    this.#cancelled = stop.cancel().catch((error: unknown) => {
      this.#logger.warn({ err: String(error) }, 'could not cancel the upstream statement')
    })
  }

  /** After a cancel, terminates the backend unless it closed its connection within CANCEL_WAIT_MS. */
  terminateIfLingering(): void {
    const stop = this.#stop
    if (!stop || !this.#cancelled) return
    void this.#cancelled
      .then(() => new Promise((resolve) => setTimeout(resolve, CANCEL_WAIT_MS)))
      .then(() => (this.#upstreamEnded ? undefined : stop.terminate()))
      .catch((error: unknown) => {
        this.#logger.warn({ err: String(error) }, 'could not terminate the upstream backend')
      })
  }
}
