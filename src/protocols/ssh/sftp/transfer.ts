// One file an SFTP session opened: its size and SHA-256 as they passed through, recorded when it closes
// (the action's `result`), never its content. Data is hashed in offset order; a chunk that arrives ahead of
// its turn (parallel requests answered out of order) waits in a bounded buffer, and past that bound, or on a
// gap or an overlap, the digest is given up ("not sequential") while the byte count goes on.
import { createHash, type Hash } from 'node:crypto'

const MAX_WAITING_BYTES = 8 * 1024 * 1024
/** Chunks waiting at once: a count as well as bytes, since an empty or one-byte WRITE at a new offset costs a
 * client ~30 bytes and held ~100 here (a million empty writes held 96 MB, bytes never reaching the bound). A
 * client with 64 requests in flight (OpenSSH's sftp) has at most 63 waiting. */
const MAX_WAITING_CHUNKS = 4096

export class Transfer {
  readonly path: string
  readonly direction: 'read' | 'write'
  readonly startedAt = performance.now()
  bytes = 0
  #hash: Hash | undefined = createHash('sha256')
  #next = 0
  readonly #waiting = new Map<number, Buffer>()
  #waitingBytes = 0

  constructor(path: string, direction: 'read' | 'write') {
    this.path = path
    this.direction = direction
  }

  /** `data` passed at `offset`. */
  add(offset: number, data: Buffer): void {
    this.bytes += data.length
    if (!this.#hash) return
    if (offset !== this.#next) {
      if (
        offset < this.#next ||
        this.#waitingBytes + data.length > MAX_WAITING_BYTES ||
        this.#waiting.size >= MAX_WAITING_CHUNKS
      ) {
        this.#giveUp()
        return
      }
      this.#waiting.set(offset, Buffer.from(data))
      this.#waitingBytes += data.length
      return
    }
    this.#hash.update(data)
    this.#next += data.length
    for (let chunk = this.#waiting.get(this.#next); chunk; chunk = this.#waiting.get(this.#next)) {
      this.#waiting.delete(this.#next)
      this.#waitingBytes -= chunk.length
      this.#hash.update(chunk)
      this.#next += chunk.length
    }
  }

  /** The hex digest of everything from offset 0, or why there is none. */
  digest(): string {
    if (!this.#hash) return 'not sequential'
    if (this.#waiting.size > 0) return 'not sequential (gaps)'
    return this.#hash.digest('hex')
  }

  #giveUp(): void {
    this.#hash = undefined
    this.#waiting.clear()
    this.#waitingBytes = 0
  }
}
