// The zlib context of one direction of a SPDY/3 connection: every header block (SYN_STREAM, SYN_REPLY,
// HEADERS) continues one zlib stream primed with SPDY's dictionary and ends with a sync flush, so a block is
// readable as soon as its frame is whole, but only by the context that read every block before it. Node has no
// public synchronous streaming zlib (zlib.inflateSync is one-shot; a zlib stream answers asynchronously), and a
// frame must be read before its bytes are relayed (an unreadable one closes the stream instead), so this
// drives the zlib handle of a Node zlib object directly, as ssh2 does for SSH compression
// (node_modules/ssh2/lib/protocol/zlib.js): writeSync with Z_SYNC_FLUSH until the input is used up.
import zlib from 'node:zlib'
import { SPDY_HEADER_DICTIONARY } from './spdy-dictionary.ts'

interface ZlibHandle {
  writeSync(
    flush: number,
    input: Buffer,
    inOffset: number,
    inLength: number,
    output: Buffer,
    outOffset: number,
    outLength: number,
  ): void
  close(): void
  onerror: (message: string, errno: number) => void
}

const CHUNK_BYTES = 16 * 1024

export class SpdyHeaderZlibError extends Error {}

export class SpdyHeaderZlib {
  readonly #handle: ZlibHandle
  /** [avail_out, avail_in] after each writeSync, as Node's zlib binding reports them. */
  readonly #state: Uint32Array
  readonly #maxOutputBytes: number
  #error: string | undefined
  #closed = false

  /** `inflate` reads header blocks (the gateway); `deflate` writes them (the test stand-in and clients). */
  constructor(mode: 'inflate' | 'deflate', maxOutputBytes: number) {
    const owner = (mode === 'inflate'
      ? zlib.createInflate({ dictionary: SPDY_HEADER_DICTIONARY })
      : zlib.createDeflate({
          dictionary: SPDY_HEADER_DICTIONARY,
          level: zlib.constants.Z_BEST_COMPRESSION,
        })) as unknown as { _handle: ZlibHandle; _writeState: Uint32Array }
    this.#handle = owner._handle
    this.#state = owner._writeState
    this.#maxOutputBytes = maxOutputBytes
    // Replaces the stream's handler (which would destroy the stream object, unused here): the error is read
    // right after the writeSync that raised it.
    this.#handle.onerror = (message) => {
      this.#error = message
    }
  }

  /** The bytes `input` (de)compresses to, flushed; throws SpdyHeaderZlibError when the input is not zlib of
   * this context or the output passes the bound. */
  process(input: Buffer): Buffer {
    if (this.#closed) throw new SpdyHeaderZlibError('the header compression context was closed')
    const out: Buffer[] = []
    let total = 0
    let inOffset = 0
    let inLength = input.length
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
      this.#handle.writeSync(zlib.constants.Z_SYNC_FLUSH, input, inOffset, inLength, buffer, 0, CHUNK_BYTES)
      if (this.#error !== undefined) {
        this.close()
        throw new SpdyHeaderZlibError(`header block: ${this.#error}`)
      }
      const availOut = this.#state[0]!
      const availIn = this.#state[1]!
      const produced = CHUNK_BYTES - availOut
      total += produced
      if (total > this.#maxOutputBytes) {
        this.close()
        throw new SpdyHeaderZlibError(`a header block is larger than ${this.#maxOutputBytes} bytes`)
      }
      if (produced > 0) out.push(buffer.subarray(0, produced))
      inOffset += inLength - availIn
      inLength = availIn
      // Output space left over means zlib has consumed what it could and flushed it all.
      if (availOut !== 0) break
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out, total)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#handle.close()
  }
}
