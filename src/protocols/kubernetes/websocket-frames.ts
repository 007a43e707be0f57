// WebSocket frames (RFC 6455 §5.2) of one direction of an exec/attach stream, read incrementally from the
// relayed bytes for recording: the payload of each data frame (unmasked) is passed on whole. A frame larger
// than MAX_FRAME_BYTES is counted, not decoded.

/** A frame header and length are at most 14 bytes; a frame larger than this is counted, not decoded. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024

export class WebSocketFrameReader {
  #buffer: Buffer = Buffer.alloc(0)
  #skip = 0
  readonly #onPayload: (payload: Buffer) => void

  constructor(onPayload: (payload: Buffer) => void) {
    this.#onPayload = onPayload
  }

  push(chunk: Buffer): void {
    if (this.#skip > 0) {
      const skipped = Math.min(this.#skip, chunk.length)
      this.#skip -= skipped
      chunk = chunk.subarray(skipped)
    }
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    for (;;) {
      const frame = this.#next()
      if (!frame) return
    }
  }

  #next(): boolean {
    const b = this.#buffer
    if (b.length < 2) return false
    const masked = (b[1]! & 0x80) !== 0
    let length = b[1]! & 0x7f
    let offset = 2
    if (length === 126) {
      if (b.length < 4) return false
      length = b.readUInt16BE(2)
      offset = 4
    } else if (length === 127) {
      if (b.length < 10) return false
      length = Number(b.readBigUInt64BE(2))
      offset = 10
    }
    const maskAt = offset
    if (masked) offset += 4
    if (length > MAX_FRAME_BYTES) {
      this.#skip = Math.max(0, offset + length - b.length)
      this.#buffer = Buffer.alloc(0)
      return false
    }
    if (b.length < offset + length) return false
    const payload = Buffer.from(b.subarray(offset, offset + length))
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskAt + (i % 4)]!
    this.#buffer = b.subarray(offset + length)
    const opcode = b[0]! & 0x0f
    if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) this.#onPayload(payload)
    return true
  }
}
