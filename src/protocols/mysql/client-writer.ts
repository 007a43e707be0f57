// Everything the session writes to its client, in order. Packets relayed unchanged go out as the bytes
// they came in: consecutive frames that sit next to each other in one upstream chunk are joined into one
// view of it (no copy, one write), which is what a byte relay does; a changed packet (masked, redacted)
// or the gateway's own answer is written after whatever is pending, so the order on the wire never changes.
import type { Duplex } from 'node:stream'

export class ClientWriter {
  readonly #socket: Duplex
  readonly #onFull: () => void
  #pending: Buffer | undefined

  /** `onFull`: the socket's buffer is full (the caller pauses what feeds it until 'drain'). */
  constructor(socket: Duplex, onFull: () => void) {
    this.#socket = socket
    this.#onFull = onFull
  }

  /** A frame exactly as it came from upstream (a view of its chunk). */
  relay(frame: Buffer): void {
    const p = this.#pending
    if (p && p.buffer === frame.buffer && p.byteOffset + p.length === frame.byteOffset) {
      this.#pending = Buffer.from(p.buffer, p.byteOffset, p.length + frame.length)
      return
    }
    this.flush()
    this.#pending = frame
  }

  write(bytes: Buffer): void {
    this.flush()
    if (!this.#socket.write(bytes)) this.#onFull()
  }

  flush(): void {
    const p = this.#pending
    if (p === undefined) return
    this.#pending = undefined
    if (!this.#socket.write(p)) this.#onFull()
  }
}
