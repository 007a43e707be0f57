// Reads whole messages from a socket during startup and authentication, where traffic is a few small
// messages in lock-step. The relay (session.ts) takes over the socket afterwards with what is left over.
import type { Duplex } from 'node:stream'
import { ProtocolViolation } from './wire/protocol-violation.ts'

export class HandshakeReader {
  readonly #socket: Duplex
  readonly #maxBytes: number
  #buffer: Buffer = Buffer.alloc(0)
  #waiter: (() => void) | undefined
  #failure: Error | undefined
  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    // Holding more than the largest message and its header, the next read finds a whole message (or a
    // length past the limit): the client's further bytes wait in the socket, not here. A client that sends
    // unasked while its login is checked cannot grow this buffer, or the copying above, without bound.
    if (this.#buffer.length > this.#maxBytes + 5) this.#socket.pause()
    this.#wake()
  }
  readonly #onEnd = (): void =>
    this.#fail(new ProtocolViolation('connection closed during startup', { silent: true }))
  readonly #onError = (error: Error): void => this.#fail(error)

  constructor(socket: Duplex, maxBytes: number) {
    this.#socket = socket
    this.#maxBytes = maxBytes
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onEnd)
    socket.on('error', this.#onError)
  }

  /** An untyped startup-phase packet (int32 length first). */
  startupPacket(): Promise<Buffer> {
    return this.#read(0)
  }

  /** A typed message (type byte, int32 length). */
  frame(): Promise<Buffer> {
    return this.#read(1)
  }

  /** Bytes received but not yet read. */
  get buffered(): number {
    return this.#buffer.length
  }

  /** Stops reading; returns the bytes received after the last message read. */
  detach(): Buffer {
    this.#socket.pause()
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    this.#socket.off('close', this.#onEnd)
    this.#socket.off('error', this.#onError)
    const rest = this.#buffer
    this.#buffer = Buffer.alloc(0)
    return rest
  }

  async #read(headerOffset: 0 | 1): Promise<Buffer> {
    for (;;) {
      if (this.#failure) throw this.#failure
      const b = this.#buffer
      if (b.length >= headerOffset + 4) {
        const length = b.readUInt32BE(headerOffset)
        if (length < 4 || length > this.#maxBytes)
          // A startup packet's length out of range is what a client sending a typed message first (a
          // Terminate before its StartupMessage) or no PostgreSQL client at all looks like: the server
          // closes such a connection without a word.
          throw new ProtocolViolation(`invalid message length ${length}`, { silent: headerOffset === 0 })
        const total = headerOffset + length
        if (b.length >= total) {
          this.#buffer = b.subarray(total)
          return b.subarray(0, total)
        }
      }
      await new Promise<void>((resolve) => {
        this.#waiter = resolve
        this.#socket.resume()
      })
    }
  }

  #wake(): void {
    const w = this.#waiter
    this.#waiter = undefined
    w?.()
  }

  #fail(error: Error): void {
    this.#failure ??= error
    this.#wake()
  }
}
