// RFC 6455 frames read incrementally from one direction of a relayed WebSocket: the header (2-14 bytes) is
// gathered across chunks, the payload is handed on as it arrives (unmasked on request), never buffered
// here, so a frame of any size costs a 14-byte buffer. Everything the gateway cannot read one way only is a
// protocol error (RFC 6455 §5.2, §5.5, §7.4.1 code 1002): reserved bits (no extension is negotiated: the
// relay strips Sec-WebSocket-Extensions), unknown opcodes, fragmented or long control frames, a
// continuation without a message or a new message inside one, a client frame without a mask or a server
// frame with one, a length over 2^53.

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

export interface FrameHead {
  fin: boolean
  opcode: number
  /** The message's type for a data frame (text or binary, also on continuations); 0 for control frames. */
  message: number
  /** A data frame that starts a message. */
  first: boolean
  length: number
  /** The header bytes as they arrived (the relay re-sends them unchanged when it does not rewrite). */
  raw: Buffer
}

export interface FrameEvents {
  head(frame: FrameHead): void
  /** Payload bytes of the current frame, unmasked; a view valid only during the call. */
  payload(data: Buffer, frame: FrameHead): void
  end(frame: FrameHead): void
}

export class WebSocketProtocolError extends Error {
  readonly closeCode = 1002
}

const MAX_HEAD = 14

export class FrameParser {
  readonly #fromClient: boolean
  readonly #events: FrameEvents
  readonly #head = Buffer.alloc(MAX_HEAD)
  #headBytes = 0
  #frame: FrameHead | undefined
  #remaining = 0
  #maskKey = Buffer.alloc(4)
  #maskAt = 0
  #masked = false
  /** The type of the fragmented message under way, 0 when none. */
  #message = 0

  /** `fromClient`: frames a client sends (masked, RFC 6455 §5.3) rather than a server's (unmasked). */
  constructor(fromClient: boolean, events: FrameEvents) {
    this.#fromClient = fromClient
    this.#events = events
  }

  /** Between frames: a frame the gateway writes itself (a close) would not land inside another. */
  get atBoundary(): boolean {
    return this.#frame === undefined && this.#headBytes === 0
  }

  /** Reads a chunk; throws WebSocketProtocolError on a frame the gateway will not relay. */
  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.#frame === undefined) {
        at = this.#readHead(chunk, at)
        continue
      }
      const take = Math.min(this.#remaining, chunk.length - at)
      const data = chunk.subarray(at, at + take)
      at += take
      this.#remaining -= take
      this.#events.payload(this.#masked ? this.#unmask(data) : data, this.#frame)
      if (this.#remaining === 0) this.#finish()
    }
  }

  #readHead(chunk: Buffer, at: number): number {
    const head = this.#head
    while (at < chunk.length) {
      head[this.#headBytes++] = chunk[at++]!
      const need = this.#headBytes >= 2 ? headLength(head) : 2
      if (this.#headBytes < need) continue
      this.#start(head.subarray(0, need))
      return at
    }
    return at
  }

  #start(raw: Buffer): void {
    const b0 = raw[0]!
    const b1 = raw[1]!
    if (b0 & 0x70) throw new WebSocketProtocolError('a frame sets reserved bits (no extension is negotiated)')
    const opcode = b0 & 0x0f
    const fin = (b0 & 0x80) !== 0
    const masked = (b1 & 0x80) !== 0
    if (masked !== this.#fromClient)
      throw new WebSocketProtocolError(
        this.#fromClient ? 'a client frame is not masked' : 'a server frame is masked',
      )
    let length = b1 & 0x7f
    let offset = 2
    if (length === 126) {
      length = raw.readUInt16BE(2)
      offset = 4
    } else if (length === 127) {
      const long = raw.readBigUInt64BE(2)
      if (long > BigInt(Number.MAX_SAFE_INTEGER))
        throw new WebSocketProtocolError('a frame length is out of range')
      length = Number(long)
      offset = 10
    }
    if (masked) raw.copy(this.#maskKey, 0, offset, offset + 4)
    let message = 0
    let first = false
    if (opcode >= 8) {
      if (opcode > OPCODE.pong) throw new WebSocketProtocolError(`reserved opcode ${opcode}`)
      if (!fin || length > 125) throw new WebSocketProtocolError('a control frame is fragmented or too long')
    } else if (opcode === OPCODE.continuation) {
      if (this.#message === 0) throw new WebSocketProtocolError('a continuation frame without a message')
      message = this.#message
    } else {
      if (opcode > OPCODE.binary) throw new WebSocketProtocolError(`reserved opcode ${opcode}`)
      if (this.#message !== 0) throw new WebSocketProtocolError('a new message inside a fragmented one')
      message = opcode
      first = true
    }
    if (message !== 0) this.#message = fin ? 0 : message
    this.#frame = { fin, opcode, message, first, length, raw: Buffer.from(raw) }
    this.#remaining = length
    this.#masked = masked
    this.#maskAt = 0
    this.#headBytes = 0
    this.#events.head(this.#frame)
    if (length === 0) this.#finish()
  }

  #unmask(data: Buffer): Buffer {
    const out = Buffer.allocUnsafe(data.length)
    const key = this.#maskKey
    let k = this.#maskAt
    for (let i = 0; i < data.length; i++) {
      out[i] = data[i]! ^ key[k]!
      k = (k + 1) & 3
    }
    this.#maskAt = k
    return out
  }

  #finish(): void {
    const frame = this.#frame!
    this.#frame = undefined
    this.#events.end(frame)
  }
}

/** The header's whole length once its first two bytes are known. */
function headLength(head: Buffer): number {
  const short = head[1]! & 0x7f
  const extended = short === 126 ? 2 : short === 127 ? 8 : 0
  return 2 + extended + (head[1]! & 0x80 ? 4 : 0)
}

/** One unfragmented frame the gateway writes itself: masked with a random key toward a server (a client's
 * frames must be), unmasked toward a client. */
export function encodeFrame(opcode: number, payload: Buffer, mask: Buffer | undefined): Buffer {
  const length = payload.length
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8
  const head = Buffer.alloc(2 + extended + (mask ? 4 : 0))
  head[0] = 0x80 | opcode
  head[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127)
  if (extended === 2) head.writeUInt16BE(length, 2)
  else if (extended === 8) head.writeBigUInt64BE(BigInt(length), 2)
  if (!mask) return Buffer.concat([head, payload])
  mask.copy(head, 2 + extended)
  const body = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) body[i] = payload[i]! ^ mask[i & 3]!
  return Buffer.concat([head, body])
}

/** A close frame's payload: the code, then a reason cut to the 123 bytes a control frame leaves it. */
export function closePayload(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8')
  let cut = Math.min(text.length, 123)
  while (cut > 0 && cut < text.length && (text[cut]! & 0xc0) === 0x80) cut--
  const out = Buffer.alloc(2 + cut)
  out.writeUInt16BE(code, 0)
  text.copy(out, 2, 0, cut)
  return out
}
