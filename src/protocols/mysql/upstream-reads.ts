// Reads from a plain upstream socket land in one buffer of the connection's, reused from read to read
// (net.connect's `onread`, nodejs.org/api/net.html#socketconnectoptions-connectlistener): no buffer
// allocated, no stream 'data' event per read, which a statement's answer paid for on every read. What a
// reader keeps past its call (bytes a slow client's socket still queues, a packet cut by the read's end)
// stays valid: the reader says so and the next read goes to another buffer, as every read did before. Those
// buffers are read into again once the reader holds nothing (its client's queue written out): a large result
// to a client slower than the server no longer allocates 64 KiB per read, whose external memory made V8 run
// full collections of the gateway's whole heap during the read.
// During the login (HandshakeChannel) and for a TLS connection (whose layer reads the socket itself), reads
// are copies emitted as 'data', so nothing there sees the reused memory.
import type { OnReadOpts, Socket } from 'node:net'

/** One read's worth, as Node's own stream reads (64 KiB): the memory a plain upstream connection holds. */
export const UPSTREAM_READ_BYTES = 64 * 1024

/** Takes a read (a view valid only during the call); returns whether it keeps a reference to its memory or
 * to any earlier read's (false: nothing of any read is held any more). */
export type BorrowedReader = (chunk: Buffer) => boolean

/** Buffers a connection keeps for reuse after a slow client's queue let them go (more are freed), and
 * held buffers it tracks for that. */
const MAX_SPARE_BUFFERS = 4
const MAX_HELD_BUFFERS = 8

export class UpstreamReads {
  #buffer: Buffer = Buffer.allocUnsafeSlow(UPSTREAM_READ_BYTES)
  #kept = false
  /** Buffers kept reads may still be referenced from; spare ones nothing holds. */
  #held: Buffer[] = []
  #spare: Buffer[] = []
  #socket: Socket | undefined
  #reader: BorrowedReader | undefined
  /** Reads that came with nobody listening (between the login's last read and the relay's start). */
  #early: Buffer[] = []

  /** For net.connect: `{ onread: reads.onread }`. */
  readonly onread: OnReadOpts = {
    buffer: (): Buffer => {
      if (this.#kept) {
        // Beyond a few, a held buffer is left to the collector once its holder lets go, as any read was.
        if (this.#held.length >= MAX_HELD_BUFFERS) this.#held.shift()
        this.#held.push(this.#buffer)
        this.#buffer = this.#spare.pop() ?? Buffer.allocUnsafeSlow(UPSTREAM_READ_BYTES)
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
        if (!this.#kept && this.#held.length > 0) this.#release()
        return true
      }
      const copy = Buffer.from(chunk)
      if (this.#socket !== undefined && this.#socket.listenerCount('data') > 0)
        this.#socket.emit('data', copy)
      else this.#early.push(copy)
      return true
    },
  }

  /** Nothing holds any earlier read: the buffers they were in are free. */
  #release(): void {
    for (const buffer of this.#held) if (this.#spare.length < MAX_SPARE_BUFFERS) this.#spare.push(buffer)
    this.#held = []
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
