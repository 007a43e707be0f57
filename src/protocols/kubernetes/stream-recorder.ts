// What an exec/attach session typed and printed, recorded as the session's actions: WebSocket frames of the
// channel protocols (`v4.channel.k8s.io`, `v5.channel.k8s.io`: first payload byte is the channel, 0 stdin,
// 1 stdout, 2 stderr, 3 error) are decoded and their text kept, in pieces of at most PIECE_BYTES, up to
// MAX_RECORDED_BYTES a direction (the rest is counted, not kept). Port-forward data and SPDY streams (whose
// headers are zlib-compressed per connection) are counted only.
import type { Core } from '../../core/index.ts'
import type { RequestInfo } from './request-info.ts'
import type { KubeLogin } from './serve-request.ts'

const PIECE_BYTES = 16 * 1024
const MAX_RECORDED_BYTES = 1024 * 1024
/** A frame header and length are at most 14 bytes; a frame larger than this is counted, not decoded. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024

const CHANNEL_NAMES = ['stdin', 'stdout', 'stderr', 'error'] as const

class FrameReader {
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

export class StreamRecorder {
  readonly #core: Core
  readonly #login: KubeLogin
  readonly #what: string
  readonly #pieces = new Map<string, Buffer[]>()
  readonly #kept = new Map<string, number>()
  #bytesIn = 0
  #bytesOut = 0
  readonly #client?: FrameReader
  readonly #server?: FrameReader

  constructor(core: Core, login: KubeLogin, info: RequestInfo, protocol: string) {
    this.#core = core
    this.#login = login
    this.#what = `${info.subresource} ${info.namespace}/${info.name}`
    if (/channel\.k8s\.io/.test(protocol) && info.subresource !== 'portforward') {
      this.#client = new FrameReader((p) => this.#channel(p))
      this.#server = new FrameReader((p) => this.#channel(p))
    }
  }

  fromClient(chunk: Buffer): void {
    this.#bytesIn += chunk.length
    this.#client?.push(chunk)
  }

  fromServer(chunk: Buffer): void {
    this.#bytesOut += chunk.length
    this.#server?.push(chunk)
  }

  #channel(payload: Buffer): void {
    const name = CHANNEL_NAMES[payload[0] ?? 255]
    if (!name || payload.length < 2) return
    const kept = this.#kept.get(name) ?? 0
    if (kept >= MAX_RECORDED_BYTES) return
    const data = payload.subarray(1, 1 + Math.min(payload.length - 1, MAX_RECORDED_BYTES - kept))
    this.#kept.set(name, kept + data.length)
    const pieces = this.#pieces.get(name) ?? []
    pieces.push(data)
    this.#pieces.set(name, pieces)
    if (pieces.reduce((n, p) => n + p.length, 0) >= PIECE_BYTES) this.#record(name)
  }

  #record(name: string): void {
    const pieces = this.#pieces.get(name)
    if (!pieces?.length) return
    this.#pieces.set(name, [])
    this.#core.recordAction(this.#login.handle, {
      kind: `${this.#what.split(' ')[0]} ${name}`,
      text: Buffer.concat(pieces).toString('utf8'),
      outcome: 'allow',
    })
  }

  /** Records what is left and the byte counts (the stream ended). */
  flush(): void {
    for (const name of this.#pieces.keys()) this.#record(name)
    this.#core.recordAction(this.#login.handle, {
      kind: `${this.#what.split(' ')[0]} end`,
      text: `${this.#what}: ${this.#bytesIn} bytes from the client, ${this.#bytesOut} from the server`,
      outcome: 'allow',
    })
  }
}
