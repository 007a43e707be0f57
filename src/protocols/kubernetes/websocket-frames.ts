// WebSocket frames (RFC 6455 §5.2) of one direction of an exec/attach stream, read incrementally from the
// relayed bytes for recording: the payload of each data frame (unmasked) is passed on whole. A frame larger
// than MAX_FRAME_BYTES is counted, not decoded.

/** A frame header and length are at most 14 bytes; a frame larger than this is counted, not decoded. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024

/** The most a frame header takes: 2 bytes, an 8-byte length, a 4-byte mask key. */
const MAX_HEADER_BYTES = 14

export class WebSocketFrameReader {
  /** Bytes of the frame being read, as they came: a frame arriving in many small pieces is joined once,
   * when it is whole, not re-copied with each piece (quadratic in the frame's size). */
  #parts: Buffer[] = []
  #bytes = 0
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
    if (chunk.length === 0) return
    this.#parts.push(chunk)
    this.#bytes += chunk.length
    while (this.#next()) {}
  }

  #next(): boolean {
    if (this.#bytes < 2) return false
    // The header is read from the first part: small pieces at its start are joined until it holds one.
    if (this.#parts[0]!.length < MAX_HEADER_BYTES && this.#parts.length > 1) {
      const head: Buffer[] = []
      let size = 0
      while (this.#parts.length > 0 && size < MAX_HEADER_BYTES) {
        const part = this.#parts.shift()!
        head.push(part)
        size += part.length
      }
      this.#parts.unshift(Buffer.concat(head, size))
    }
    const b = this.#parts[0]!
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
      this.#skip = Math.max(0, offset + length - this.#bytes)
      this.#parts = []
      this.#bytes = 0
      return false
    }
    if (this.#bytes < offset + length) return false
    const all = this.#parts.length === 1 ? b : Buffer.concat(this.#parts, this.#bytes)
    const payload = Buffer.from(all.subarray(offset, offset + length))
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= all[maskAt + (i % 4)]!
    const rest = all.subarray(offset + length)
    this.#parts = rest.length > 0 ? [rest] : []
    this.#bytes = rest.length
    const opcode = all[0]! & 0x0f
    if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) this.#onPayload(payload)
    return true
  }
}
