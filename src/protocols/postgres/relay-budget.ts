// The grant's exfiltration budget (the kit's ResultBudget) on a relay session's upstream stream: fed with each
// chunk's bytes and the DataRows the upstream scanner counted as it read frame headers; over the budget the
// scanner pauses at the next frame boundary so the gateway's NoticeResponse can follow at once.
import { ResultBudget } from '../kit/result-budget.ts'
import type { RelayOptions } from './relay-options.ts'
import type { FrameScanner } from './wire/frame-scanner.ts'
import { serializeErrorResponse } from './wire/server-messages.ts'

export class RelayBudget {
  readonly #budget: ResultBudget
  readonly #fromUpstream: () => FrameScanner
  /** DataRows of the upstream scanner already reported to the budget. */
  #rowsCounted = 0

  constructor(
    options: Pick<RelayOptions, 'handle' | 'logger'>,
    fromUpstream: () => FrameScanner,
    hooks: {
      /** The upstream scanner may go on (the budget no longer holds it). */
      resume(): void
      /** Writes a message of the gateway's own at the next message boundary of the client's stream. */
      writeAtBoundary(message: Buffer): void
    },
  ) {
    this.#fromUpstream = fromUpstream
    this.#budget = new ResultBudget({
      handle: options.handle,
      logger: options.logger,
      // Paused at the next frame boundary (see the upstream scanner's sink), so a notice can follow at once;
      // rows become interesting again so the stop comes at the next one.
      pause: () => fromUpstream().setInteresting(0x44 /* DataRow */, true),
      resume: hooks.resume,
      notice: (severity, message, hint) => {
        const code = severity === 'WARNING' ? '01000' : '00000'
        hooks.writeAtBoundary(serializeErrorResponse({ severity, code, message, hint }, 0x4e))
      },
    })
  }

  /** The budget holds the upstream stream (a warning or a stop is on its way). */
  get holding(): boolean {
    return this.#budget.holding
  }

  /** Reports the bytes of an upstream chunk and the DataRows read since the last report. */
  count(bytes: number): void {
    const rows = this.#fromUpstream().counted - this.#rowsCounted
    this.#rowsCounted += rows
    if (rows > 0 || bytes > 0) this.#budget.count({ bytes, rows })
  }
}
