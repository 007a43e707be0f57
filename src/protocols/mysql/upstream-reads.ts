// Reads from a plain upstream socket land in one buffer of the connection's, reused from read to read
// (net.connect's `onread`, nodejs.org/api/net.html#socketconnectoptions-connectlistener): no buffer
// allocated, no stream 'data' event per read, which a statement's answer paid for on every read. What a
// reader keeps past its call (bytes a slow client's socket still queues, a packet cut by the read's end)
// stays valid: the reader says so and the next read goes to a new buffer, as every read did before.
// During the login (HandshakeChannel) and for a TLS connection (whose layer reads the socket itself), reads
// are copies emitted as 'data', so nothing there sees the reused memory.
import type { OnReadOpts, Socket } from 'node:net'

/** One read's worth, as Node's own stream reads (64 KiB): the memory a plain upstream connection holds. */
export const UPSTREAM_READ_BYTES = 64 * 1024

/** Takes a read (a view valid only during the call); returns whether it keeps a reference to its memory. */
export type BorrowedReader = (chunk: Buffer) => boolean

export class UpstreamReads {
  #buffer = Buffer.allocUnsafeSlow(UPSTREAM_READ_BYTES)
  #kept = false
  #socket: Socket | undefined
  #reader: BorrowedReader | undefined
  /** Reads that came with nobody listening (between the login's last read and the relay's start). */
  #early: Buffer[] = []

  /** For net.connect: `{ onread: reads.onread }`. */
  readonly onread: OnReadOpts = {
    buffer: (): Buffer => {
      if (this.#kept) {
        this.#buffer = Buffer.allocUnsafeSlow(UPSTREAM_READ_BYTES)
        this.#kept = false
      }
      return this.#buffer
    },
    // Never false (which would pause the socket): the relay pauses it itself.
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      const chunk = (buffer as Buffer).subarray(0, bytes)
      const reader = this.#reader
      if (reader !== undefined) {
        this.#kept = reader(chunk)
        return true
      }
      const copy = Buffer.from(chunk)
      if (this.#socket !== undefined && this.#socket.listenerCount('data') > 0)
        this.#socket.emit('data', copy)
      else this.#early.push(copy)
      return true
    },
  }

  /** The socket the reads come from (emitted on as 'data' until read()). */
  attach(socket: Socket): void {
    this.#socket = socket
  }

  /** From now on each read goes to `reader`, first whatever arrived with nobody listening. */
  read(reader: BorrowedReader): void {
    this.#reader = reader
    const early = this.#early
    this.#early = []
    for (const chunk of early) reader(chunk)
  }
}
