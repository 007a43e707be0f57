// What the recording keeps of a relayed WebSocket: each text message as a session action (its first
// SAMPLE_BYTES, masked by the caller's masking rules and secret-looking JSON values replaced, as body
// samples are), each binary message as its size, close frames with their code and reason; then a summary
// with the counts. Bounded per connection: after MAX_RECORDED_MESSAGES messages or MAX_RECORDED_TEXT bytes
// of samples the rest is counted in the summary only.
import type { Core, MaskingContext, SessionHandle } from '../../core/index.ts'
import { maskedSample } from './record.ts'
import { type FrameHead, OPCODE } from './websocket-frames.ts'

const SAMPLE_BYTES = 4096
const MAX_RECORDED_MESSAGES = 10_000
const MAX_RECORDED_TEXT = 1024 * 1024

export type Direction = 'client' | 'server'

interface Message {
  type: number
  bytes: number
  sample: Buffer[]
  sampled: number
}

export class WebSocketRecorder {
  readonly #core: Core
  readonly #handle: SessionHandle
  readonly #masking: MaskingContext | undefined
  readonly #what: string
  readonly #open: Record<Direction, Message | undefined> = { client: undefined, server: undefined }
  readonly #counts = {
    client: { messages: 0, bytes: 0 },
    server: { messages: 0, bytes: 0 },
  }
  #recorded = 0
  #recordedText = 0
  #unrecorded = 0

  constructor(core: Core, handle: SessionHandle, masking: MaskingContext | undefined, what: string) {
    this.#core = core
    this.#handle = handle
    this.#masking = masking
    this.#what = what
  }

  head(from: Direction, frame: FrameHead): void {
    if (frame.first) this.#open[from] = { type: frame.message, bytes: 0, sample: [], sampled: 0 }
  }

  payload(from: Direction, data: Buffer, frame: FrameHead): void {
    if (frame.message === 0) {
      if (frame.opcode === OPCODE.close)
        this.#open[from] = { type: OPCODE.close, bytes: 0, sample: [Buffer.from(data)], sampled: 0 }
      return
    }
    const m = this.#open[from]
    if (!m) return
    m.bytes += data.length
    if (m.type === OPCODE.text && m.sampled < SAMPLE_BYTES) {
      const keep = data.subarray(0, SAMPLE_BYTES - m.sampled)
      m.sample.push(Buffer.from(keep))
      m.sampled += keep.length
    }
  }

  /** A frame ended; true when it completed a data message (for the budget's message count). */
  end(from: Direction, frame: FrameHead): boolean {
    if (frame.opcode === OPCODE.close) {
      const payload =
        this.#open[from]?.type === OPCODE.close ? Buffer.concat(this.#open[from]!.sample) : Buffer.alloc(0)
      this.#open[from] = undefined
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005
      this.#record(
        'websocket close',
        `${arrow(from)} close ${code} ${payload.subarray(2).toString('utf8')}`.trimEnd(),
      )
      return false
    }
    if (frame.message === 0 || !frame.fin) return false
    const m = this.#open[from]
    this.#open[from] = undefined
    if (!m) return false
    this.#counts[from].messages++
    this.#counts[from].bytes += m.bytes
    if (m.type === OPCODE.binary) this.#record('websocket binary', `${arrow(from)} binary ${m.bytes} bytes`)
    else {
      const text = Buffer.concat(m.sample).toString('utf8')
      const cut = m.bytes > m.sampled ? '…' : ''
      const line = `${arrow(from)} text ${m.bytes} bytes\n${maskedSample(text, this.#masking)}${cut}`
      if (this.#recordedText + line.length > MAX_RECORDED_TEXT) this.#unrecorded++
      else {
        this.#recordedText += line.length
        this.#record('websocket text', line)
      }
    }
    return true
  }

  /** The summary, once the relay ended (`why`: how it ended, when not by a close handshake). */
  finish(why?: string): void {
    const c = this.#counts
    this.#record(
      'websocket end',
      `${this.#what}: ${c.client.messages} messages (${c.client.bytes} bytes) from the client, ${c.server.messages} (${c.server.bytes} bytes) from the server${this.#unrecorded ? `; ${this.#unrecorded} not recorded (over the recording bound)` : ''}${why ? `; ${why}` : ''}`,
      true,
    )
  }

  #record(kind: string, text: string, always = false): void {
    if (!always && this.#recorded >= MAX_RECORDED_MESSAGES) {
      this.#unrecorded++
      return
    }
    this.#recorded++
    try {
      this.#core.recordAction(this.#handle, { kind, text, outcome: 'allow' })
    } catch {
      // Recording failures surface through core's own recording state; the relay goes on.
    }
  }
}

const arrow = (from: Direction): string => (from === 'client' ? 'client →' : '← server')
