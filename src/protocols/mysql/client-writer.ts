// Everything the session writes to its client, in order. Packets relayed unchanged go out as the bytes
// they came in: consecutive frames that sit next to each other in one upstream chunk are joined into one
// view of it (no copy, one write), which is what a byte relay does; a changed packet (masked, redacted)
// or the gateway's own answer is written after whatever is pending, so the order on the wire never changes.
import type { Duplex } from 'node:stream'

export class ClientWriter {
  readonly #socket: Duplex
  readonly #onFull: () => void
  /** The relayed bytes not yet written: one range of one chunk (a view is made only when written). */
  #pending: Buffer | undefined
  #pendingEnd = 0

  /** `onFull`: the socket's buffer is full (the caller pauses what feeds it until 'drain'). */
  constructor(socket: Duplex, onFull: () => void) {
    this.#socket = socket
    this.#onFull = onFull
  }

  /** A frame exactly as it came from upstream (a view of its chunk). */
  relay(frame: Buffer): void {
    const p = this.#pending
    if (p !== undefined && p.buffer === frame.buffer && this.#pendingEnd === frame.byteOffset) {
      this.#pendingEnd += frame.length
      return
    }
    this.flush()
    this.#pending = frame
    this.#pendingEnd = frame.byteOffset + frame.length
  }

  write(bytes: Buffer): void {
    this.flush()
    if (!this.#socket.write(bytes)) this.#onFull()
  }

  flush(): void {
    const p = this.#pending
    if (p === undefined) return
    this.#pending = undefined
    const bytes =
      this.#pendingEnd === p.byteOffset + p.length
        ? p
        : Buffer.from(p.buffer, p.byteOffset, this.#pendingEnd - p.byteOffset)
    if (!this.#socket.write(bytes)) this.#onFull()
  }
}
