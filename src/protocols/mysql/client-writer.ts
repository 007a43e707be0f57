// Everything the session writes to its client, in order. Packets relayed unchanged go out as the bytes
// they came in: consecutive frames that sit next to each other in one upstream chunk are joined into one
// range of it (no copy, no view per packet, one write), which is what a byte relay does; a changed packet
// (masked, redacted) or the gateway's own answer is written after whatever is pending, so the order on the
// wire never changes. Between begin() and end() (one upstream chunk) writes are held and go out at end():
// one socket write when there is one (most chunks), corked together when there are several, so the socket
// is corked only when that saves a write (a cork and uncork per chunk cost more than the write itself).
import type { Duplex } from 'node:stream'

export class ClientWriter {
  readonly #socket: Duplex
  readonly #onFull: () => void
  /** The relayed bytes not yet written: one range of one chunk's memory, as offsets into it (a view is
   * made only when written); `#chunk` is the chunk it started in, written as it is when it is all of it. */
  #chunk: Buffer | undefined
  #start = 0
  #end = 0
  /** Inside begin() … end(): writes wait in `#held`, in order. */
  #holding = false
  readonly #held: Buffer[] = []

  /** `onFull`: the socket's buffer is full (the caller pauses what feeds it until 'drain'). */
  constructor(socket: Duplex, onFull: () => void) {
    this.#socket = socket
    this.#onFull = onFull
  }

  /** A frame exactly as it came from upstream (a view of its chunk). */
  relay(frame: Buffer): void {
    this.relayRange(frame, 0, frame.length)
  }

  /** Bytes `start` to `end` of `chunk`, exactly as they came from upstream; joined to the pending range when
   * they follow it in the same memory. */
  relayRange(chunk: Buffer, start: number, end: number): void {
    const from = chunk.byteOffset + start
    const pending = this.#chunk
    // The same chunk first: `.buffer` is a call into V8's runtime each time (two per packet of a result
    // were about a thousand instructions per statement, mysql-session-micro under callgrind).
    if (
      pending !== undefined &&
      this.#end === from &&
      (pending === chunk || pending.buffer === chunk.buffer)
    ) {
      this.#end = chunk.byteOffset + end
      return
    }
    this.flush()
    this.#chunk = chunk
    this.#start = from
    this.#end = chunk.byteOffset + end
  }

  write(bytes: Buffer): void {
    this.flush()
    this.#put(bytes)
  }

  flush(): void {
    const chunk = this.#chunk
    if (chunk === undefined) return
    this.#chunk = undefined
    const whole = this.#start === chunk.byteOffset && this.#end === chunk.byteOffset + chunk.length
    this.#put(whole ? chunk : Buffer.from(chunk.buffer, this.#start, this.#end - this.#start))
  }

  /** Holds writes until end(). */
  begin(): void {
    this.#holding = true
  }

  /** Writes what was held since begin(): one write, or several corked into one. Safe to call twice. */
  end(): void {
    this.flush()
    this.#holding = false
    const held = this.#held
    if (held.length === 0) return
    if (held.length === 1) {
      this.#send(held[0]!)
    } else {
      this.#socket.cork()
      for (const bytes of held) this.#send(bytes)
      this.#socket.uncork()
    }
    held.length = 0
  }

  #put(bytes: Buffer): void {
    if (this.#holding) this.#held.push(bytes)
    else this.#send(bytes)
  }

  #send(bytes: Buffer): void {
    if (!this.#socket.write(bytes)) this.#onFull()
  }
}
