// Trace export trouble is an operator's concern, never a request's: a collector that is down, slow or
// refusing makes one warn line a minute (how many exports failed and spans were lost since the last line),
// and an info line when exports work again. Nothing here throws or waits.
import type { Logger } from 'pino'

export const WARN_INTERVAL_MS = 60_000

export class ExportWarnings {
  readonly #logger: Logger
  readonly #now: () => number
  #lastWarnAt = Number.NEGATIVE_INFINITY
  #failedExports = 0
  #lostSpans = 0
  #sdkWarnings = 0
  #failing = false

  constructor(logger: Logger, now: () => number = Date.now) {
    this.#logger = logger
    this.#now = now
  }

  /** One export request failed; its `spans` are lost. */
  exportFailed(error: unknown, spans: number): void {
    this.#failing = true
    this.#failedExports++
    this.#lostSpans += spans
    this.#maybeWarn(describe(error))
  }

  exportSucceeded(): void {
    if (!this.#failing) return
    this.#failing = false
    this.#logger.info('trace export works again')
  }

  /** A warning from the OpenTelemetry SDK itself (spans dropped because the queue is full, …). */
  sdkWarning(message: string): void {
    this.#sdkWarnings++
    this.#maybeWarn(message.slice(0, 200))
  }

  #maybeWarn(reason: string): void {
    const now = this.#now()
    if (now - this.#lastWarnAt < WARN_INTERVAL_MS) return
    this.#lastWarnAt = now
    this.#logger.warn(
      {
        failedExports: this.#failedExports,
        lostSpans: this.#lostSpans,
        sdkWarnings: this.#sdkWarnings,
        reason,
      },
      'trace export is failing: spans are being dropped; requests are not affected (one line a minute at most)',
    )
    this.#failedExports = 0
    this.#lostSpans = 0
    this.#sdkWarnings = 0
  }
}

/** An error's code and first line: a collector's answer body can be long, and is not ours to log whole. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    const first = error.message.split('\n')[0]?.slice(0, 200) ?? ''
    return code !== undefined ? `${String(code)}: ${first}` : first
  }
  return String(error).slice(0, 200)
}
