// Packets in lock-step during the connection phase (handshake, TLS upgrade, authentication), on either
// side. It keeps the exchange's sequence ids (each reply is the last id + 1) and, when the phase is over,
// hands the socket to the relay with whatever arrived after the last packet read. Packets are cut from
// the received bytes only when read, so the bytes after an SSLRequest (a client's TLS hello, often in the
// same segment) are never taken for packets.
import type { Duplex } from 'node:stream'
import { encodePacket } from './wire/packet-reader.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'

/** Connection-phase packets are small (a HandshakeResponse41 with attributes is well under 64 KiB), so
 * none is ever split at 16 MiB here. */
const MAX_HANDSHAKE_PACKET_BYTES = 64 * 1024
const HEADER_BYTES = 4

export class HandshakeChannel {
  #socket: Duplex
  /** Bytes received and not yet read, as they came: joined once a packet is whole, not with each piece (a
   * join per piece made 128 KiB sent a byte a read cost 1.9 s of CPU before the login was even checked). */
  #received: Buffer[] = []
  #receivedBytes = 0
  #nextSequenceId = 0
  #waiter: (() => void) | undefined
  #failure: Error | undefined
  readonly #onData = (chunk: Buffer): void => {
    this.#received.push(chunk)
    this.#receivedBytes += chunk.length
    // A peer that sends far more than one packet's worth unasked is not in a handshake.
    if (this.#receivedBytes > 2 * (MAX_HANDSHAKE_PACKET_BYTES + HEADER_BYTES))
      this.#fail(new ProtocolViolation('too many bytes during the handshake'))
    this.#wake()
  }
  readonly #onEnd = (): void => this.#fail(new ProtocolViolation('connection closed during the handshake'))
  readonly #onError = (error: Error): void => this.#fail(error)

  constructor(socket: Duplex) {
    this.#socket = socket
    this.#attach()
  }

  get socket(): Duplex {
    return this.#socket
  }

  /** The next packet's payload; its sequence id must be the one the exchange expects. */
  async read(): Promise<Buffer> {
    for (;;) {
      if (this.#failure) throw this.#failure
      if (this.#receivedBytes >= HEADER_BYTES) {
        if (this.#received[0]!.length < HEADER_BYTES) this.#join()
        const head = this.#received[0]!
        const length = head.readUIntLE(0, 3)
        if (length > MAX_HANDSHAKE_PACKET_BYTES)
          throw new ProtocolViolation(`handshake packet of ${length} bytes`)
        if (head[3] !== this.#nextSequenceId)
          throw new ProtocolViolation(`packet out of order: ${head[3]}, expected ${this.#nextSequenceId}`)
        if (this.#receivedBytes >= HEADER_BYTES + length) {
          const b = this.#join()
          this.#received = [b.subarray(HEADER_BYTES + length)]
          this.#receivedBytes -= HEADER_BYTES + length
          this.#nextSequenceId = (this.#nextSequenceId + 1) & 0xff
          return b.subarray(HEADER_BYTES, HEADER_BYTES + length)
        }
      }
      await new Promise<void>((resolve) => {
        this.#waiter = resolve
        this.#socket.resume()
      })
    }
  }

  /** Starts a new exchange (a command after the login): sequence ids begin again at 0. */
  restart(): void {
    this.#nextSequenceId = 0
  }

  /** Writes one payload with the exchange's next sequence id. */
  write(payload: Buffer): void {
    const { bytes, nextSequenceId } = encodePacket(payload, this.#nextSequenceId)
    this.#nextSequenceId = nextSequenceId
    this.#socket.write(bytes)
  }

  /** Continues the same exchange over the TLS layer `upgrade` builds over the current socket. Bytes that
   * arrived after the SSLRequest are handed back to the socket, paused, so the TLS layer reads them as the
   * TLS records they are (Node's TLSSocket takes a wrapped socket's buffered bytes first); none of them is
   * ever read as a packet of this exchange, so nothing sent in plain text can pose as sent under TLS. */
  upgrade(upgrade: (socket: Duplex) => Duplex): Duplex {
    this.#socket.pause()
    this.#detach()
    const received = this.#join()
    if (received.length > 0) this.#socket.unshift(received)
    this.#received = []
    this.#receivedBytes = 0
    this.#socket = upgrade(this.#socket)
    this.#attach()
    return this.#socket
  }

  /** Stops reading; returns the bytes received after the last packet read (a client's first command). */
  detach(): { socket: Duplex; leftover: Buffer } {
    this.#socket.pause()
    this.#detach()
    const leftover = this.#join()
    this.#received = []
    this.#receivedBytes = 0
    return { socket: this.#socket, leftover }
  }

  /** The bytes received as one buffer (one copy, kept as the only piece). */
  #join(): Buffer {
    if (this.#received.length === 1) return this.#received[0]!
    const joined = Buffer.concat(this.#received, this.#receivedBytes)
    this.#received = [joined]
    return joined
  }

  #attach(): void {
    this.#socket.on('data', this.#onData)
    this.#socket.on('end', this.#onEnd)
    this.#socket.on('close', this.#onEnd)
    this.#socket.on('error', this.#onError)
  }

  #detach(): void {
    this.#socket.off('data', this.#onData)
    this.#socket.off('end', this.#onEnd)
    this.#socket.off('close', this.#onEnd)
    this.#socket.off('error', this.#onError)
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
