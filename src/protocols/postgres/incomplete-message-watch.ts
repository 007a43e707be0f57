// A client stalling inside a message would hold its buffer and the session for ever: the clock starts when
// the client has stopped inside a message, restarts when a new message has begun since, stops at a message
// boundary (ClientLimits.incompleteMessageTimeoutMs).
import type { FrameScanner } from './wire/frame-scanner.ts'

export class IncompleteMessageWatch {
  readonly #scanner: FrameScanner
  readonly #timeoutMs: number
  readonly #onStall: (timeoutMs: number) => void
  #timer: NodeJS.Timeout | undefined
  /** The scanner's framesStarted when the timer started: a later message restarts it. */
  #frame = -1

  constructor(scanner: FrameScanner, timeoutMs: number, onStall: (timeoutMs: number) => void) {
    this.#scanner = scanner
    this.#timeoutMs = timeoutMs
    this.#onStall = onStall
  }

  check(): void {
    const scanner = this.#scanner
    if (!scanner.midMessage) {
      this.stop()
      return
    }
    if (this.#timer !== undefined && this.#frame === scanner.framesStarted) return
    clearTimeout(this.#timer)
    this.#frame = scanner.framesStarted
    const timeoutMs = this.#timeoutMs
    this.#timer = setTimeout(() => this.#onStall(timeoutMs), timeoutMs)
    this.#timer.unref()
  }

  stop(): void {
    // At every message boundary, i.e. after nearly every chunk: nothing to clear then.
    if (this.#timer === undefined) return
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
