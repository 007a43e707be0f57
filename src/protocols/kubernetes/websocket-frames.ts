// WebSocket frames (RFC 6455 §5.2) of one direction of an exec/attach stream, read incrementally from the
// relayed bytes for recording: the payload of each data frame (unmasked) is passed on whole. A frame larger
// than MAX_FRAME_BYTES is counted, not decoded.
//
// A header is copied into a 14-byte buffer, a payload into one buffer that doubles as bytes come, up to the
// length the header names (each byte copied about twice at most; memory follows what arrived, not what a
// header announced). Holding the pieces a frame arrived in instead kept one Buffer object per TCP read
// until the frame was whole: a 4 MiB frame paced out a byte at a time held ~4 million of them (hundreds of
// MB for one stream), and re-joining them with every piece was quadratic (session 10).

/** A frame larger than this is counted, not decoded. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024

/** A payload's first buffer; it doubles from there as its bytes come. */
const FIRST_PAYLOAD_BYTES = 64 * 1024

/** The most a frame header takes: 2 bytes, an 8-byte length, a 4-byte mask key. */
const MAX_HEADER_BYTES = 14

export class WebSocketFrameReader {
  readonly #header = Buffer.alloc(MAX_HEADER_BYTES)
  #headerBytes = 0
  /** The payload being filled, its length (from the header), and how much of it has come. */
  #payload: Buffer | undefined
  #length = 0
  #filled = 0
  #mask: Buffer | undefined
  #opcode = 0
  /** Bytes of a frame over the limit still to pass unread. */
  #skip = 0
  readonly #onPayload: (payload: Buffer) => void

  constructor(onPayload: (payload: Buffer) => void) {
    this.#onPayload = onPayload
  }

  /** Buffers this reader holds (at most the header's and one payload): what a paced peer can make it keep. */
  get heldBuffers(): number {
    return 1 + (this.#payload ? 1 : 0)
  }

  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - at)
        this.#skip -= n
        at += n
      } else if (this.#payload) {
        const n = Math.min(this.#length - this.#filled, chunk.length - at)
        if (this.#filled + n > this.#payload.length) this.#grow(this.#filled + n)
        chunk.copy(this.#payload, this.#filled, at, at + n)
        this.#filled += n
        at += n
        if (this.#filled === this.#length) this.#finish()
      } else {
        at = this.#readHeader(chunk, at)
      }
    }
  }

  /** Takes header bytes from `chunk` at `at` until the header is whole (then starts its payload); returns
   * the new offset. */
  #readHeader(chunk: Buffer, at: number): number {
    const need = this.#headerLength()
    const n = Math.min(need - this.#headerBytes, chunk.length - at)
    chunk.copy(this.#header, this.#headerBytes, at, at + n)
    this.#headerBytes += n
    at += n
    // Its first two bytes say how long the header is: read again once they are here.
    if (this.#headerBytes < this.#headerLength()) return at
    const h = this.#header
    const masked = (h[1]! & 0x80) !== 0
    let length = h[1]! & 0x7f
    let offset = 2
    if (length === 126) {
      length = h.readUInt16BE(2)
      offset = 4
    } else if (length === 127) {
      length = Number(h.readBigUInt64BE(2))
      offset = 10
    }
    this.#opcode = h[0]! & 0x0f
    this.#mask = masked ? Buffer.from(h.subarray(offset, offset + 4)) : undefined
    this.#headerBytes = 0
    if (length > MAX_FRAME_BYTES) {
      this.#skip = length
      return at
    }
    this.#payload = Buffer.allocUnsafe(Math.min(length, FIRST_PAYLOAD_BYTES))
    this.#length = length
    this.#filled = 0
    if (length === 0) this.#finish()
    return at
  }

  /** A payload buffer of at least `bytes` (double the last, at most the frame's length), holding what came. */
  #grow(bytes: number): void {
    const grown = Buffer.allocUnsafe(Math.min(this.#length, Math.max(bytes, this.#payload!.length * 2)))
    this.#payload!.copy(grown, 0, 0, this.#filled)
    this.#payload = grown
  }

  /** Bytes of the header being read: 2 until they say more (length form, mask). */
  #headerLength(): number {
    if (this.#headerBytes < 2) return 2
    const b1 = this.#header[1]!
    const lengthForm = b1 & 0x7f
    return 2 + (lengthForm === 126 ? 2 : lengthForm === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0)
  }

  #finish(): void {
    const payload = this.#payload!.subarray(0, this.#length)
    const mask = this.#mask
    if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!
    this.#payload = undefined
    this.#mask = undefined
    const opcode = this.#opcode
    if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) this.#onPayload(payload)
  }
}
