// Packets in lock-step during the connection phase (handshake, TLS upgrade, authentication), on either
// side. It keeps the exchange's sequence ids (each reply is the last id + 1) and, when the phase is over,
// hands the socket to the relay with whatever arrived after the last packet read.
import type { Duplex } from 'node:stream'
import { encodePacket, type Packet, PacketReader } from './wire/packet-reader.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'

/** Connection-phase packets are small (a HandshakeResponse41 with attributes is well under 64 KiB). */
const MAX_HANDSHAKE_PACKET_BYTES = 64 * 1024

export class HandshakeChannel {
  #socket: Duplex
  #reader = new PacketReader(MAX_HANDSHAKE_PACKET_BYTES)
  #packets: Packet[] = []
  #nextSequenceId = 0
  #waiter: (() => void) | undefined
  #failure: Error | undefined
  readonly #onData = (chunk: Buffer): void => {
    try {
      this.#packets.push(...this.#reader.push(chunk))
    } catch (error) {
      this.#failure ??= error as Error
    }
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

  /** The next packet; its sequence id must be the one the exchange expects. */
  async read(): Promise<Buffer> {
    for (;;) {
      if (this.#failure) throw this.#failure
      const packet = this.#packets.shift()
      if (packet !== undefined) {
        if (packet.sequenceId !== this.#nextSequenceId)
          throw new ProtocolViolation(
            `packet out of order: ${packet.sequenceId}, expected ${this.#nextSequenceId}`,
          )
        this.#nextSequenceId = (packet.sequenceId + 1) & 0xff
        return packet.payload
      }
      await new Promise<void>((resolve) => {
        this.#waiter = resolve
        this.#socket.resume()
      })
    }
  }

  /** Writes one payload with the exchange's next sequence id. */
  write(payload: Buffer): void {
    const { bytes, nextSequenceId } = encodePacket(payload, this.#nextSequenceId)
    this.#nextSequenceId = nextSequenceId
    this.#socket.write(bytes)
  }

  /** Continues the same exchange over a new socket (the TLS layer over the old one). Nothing may have
   * arrived after the SSLRequest / before the TLS handshake: that would be plaintext injected into it. */
  replaceSocket(socket: Duplex): void {
    if (this.#packets.length > 0 || this.#reader.bufferedBytes > 0)
      throw new ProtocolViolation('bytes after the SSL request, before TLS')
    this.#detach()
    this.#socket = socket
    this.#reader = new PacketReader(MAX_HANDSHAKE_PACKET_BYTES)
    this.#attach()
  }

  /** Stops reading; returns the bytes received after the last packet read (a client's first command). */
  detach(): { socket: Duplex; leftover: Buffer } {
    this.#socket.pause()
    this.#detach()
    const rest = this.#packets.map((p) => encodePacket(p.payload, p.sequenceId).bytes)
    return { socket: this.#socket, leftover: Buffer.concat([...rest, this.#reader.takeRemainder()]) }
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
