// Incremental splitter for typed PostgreSQL frames (type byte + int32 length including itself,
// postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS).
// It forwards bytes it is not asked to look at as the buffers they came in: only frame types marked
// "interesting" are handed to the sink, whole (a subarray when the frame sits in one chunk, a copy only
// when it spans chunks). Runs of kept bytes are coalesced so a chunk of 100 DataRows is one write.
import { ProtocolViolation } from './protocol-violation.ts'

/** The sink's answer for one interesting frame. */
export const KEEP = 0
export const DROP = 1
/** Stop before this frame; it is offered again after `resume()`. */
export const PAUSE = 2
export type Verdict = typeof KEEP | typeof DROP | typeof PAUSE | Buffer

export interface FrameSink {
  /** A complete interesting frame (header included). */
  frame(type: number, frame: Buffer): Verdict
  /** Bytes to forward unchanged, in order. */
  pass(bytes: Buffer): void
}

/** 1 GiB: the protocol's own ceiling (PQ_LARGE_MESSAGE_LIMIT in the server). */
export const PROTOCOL_MAX_FRAME_BYTES = 0x40000000

/** The first buffer the tail of a split frame is gathered in. */
const FIRST_GATHER_BYTES = 16 * 1024

export class FrameScanner {
  readonly #interesting: Uint8Array
  readonly #maxFrameBytes: number
  readonly #sink: FrameSink
  /** Unprocessed bytes: the rest of the current chunk after a PAUSE, or the start of a partial frame. */
  #pending: Buffer | undefined
  /** While a partial frame waits for its tail: later chunks, copied into one buffer that doubles as they come
   * (at most twice what came, and never more than the frame still needs). Holding them as the pieces they
   * came in kept a Buffer object per socket read: a 2 MiB Query sent a byte a read held 644 MB. */
  #gather: Buffer | undefined
  #gathered = 0
  #need = 0
  /** Bytes still to pass of an uninteresting frame that spans chunks. */
  #skip = 0
  #paused = false
  /** Frame headers read so far: a message boundary was crossed when it changes. */
  #framesStarted = 0
  /** Called, in order, once the frame being streamed has been passed whole (whenAtBoundary). */
  #boundaryWaiters: Array<() => void> = []
  /** Set by stopAtBoundary: called once the frame being streamed has been passed whole. */
  #onBoundary: (() => void) | undefined
  /** Frames of #countedType seen (an exfiltration budget's rows): one comparison per frame header. A frame a
   * PAUSE stopped at is offered, and counted, again on resume. */
  readonly #countedType: number
  #counted = 0

  constructor(
    interestingTypes: string,
    sink: FrameSink,
    maxFrameBytes = PROTOCOL_MAX_FRAME_BYTES,
    countedType = -1,
  ) {
    this.#countedType = countedType
    this.#interesting = new Uint8Array(256)
    for (let i = 0; i < interestingTypes.length; i++) this.#interesting[interestingTypes.charCodeAt(i)] = 1
    this.#sink = sink
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Starts or stops handing frames of `type` to the sink; from the next frame on, even within a chunk. */
  setInteresting(type: number, interesting: boolean): void {
    this.#interesting[type] = interesting ? 1 : 0
  }

  /** Frames of the counted type read so far. */
  get counted(): number {
    return this.#counted
  }

  get paused(): boolean {
    return this.#paused
  }

  /** Whether the sender stopped inside a message: part of it has arrived and the rest has not (a PAUSE,
   * which waits on the receiving side, does not count). */
  get midMessage(): boolean {
    return this.#skip > 0 || (this.#pending !== undefined && !this.#paused)
  }

  /** Buffers held for a partial frame (its start and its gathered tail): what a paced peer can make it keep. */
  get heldBuffers(): number {
    return (this.#pending === undefined ? 0 : 1) + (this.#gather === undefined ? 0 : 1)
  }

  /** Frame headers read so far; it changes whenever a message boundary has been crossed. */
  get framesStarted(): number {
    return this.#framesStarted
  }

  /** False while part of a streamed frame has been passed and its tail has not: nothing else may be
   * written to the receiving side then. */
  get atBoundary(): boolean {
    return this.#skip === 0
  }

  /** Calls `callback` at the next message boundary of what has been passed — now, when already there —
   * so a message of the gateway's own (a NOTICE) can go between two of the upstream's. */
  whenAtBoundary(callback: () => void): void {
    if (this.#skip === 0) callback()
    else this.#boundaryWaiters.push(callback)
  }

  /** Stops scanning at the next message boundary: what remains of a frame already partly passed is still
   * passed, everything after it dropped, and `onBoundary` called once there (now, when already there). So
   * a last message (a FATAL) can follow a stream cut off mid-result. */
  stopAtBoundary(onBoundary: () => void): void {
    this.#pending = undefined
    this.#gather = undefined
    this.#gathered = 0
    this.#paused = false
    if (this.#skip === 0) {
      this.#onBoundary = () => {}
      onBoundary()
    } else this.#onBoundary = onBoundary
  }

  /** Feeds a chunk. Throws ProtocolViolation on a malformed length. */
  push(chunk: Buffer): void {
    if (this.#onBoundary !== undefined) {
      this.#finishFrame(chunk)
      return
    }
    if (this.#paused) {
      this.#pending = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk])
      return
    }
    if (this.#pending !== undefined) {
      if (this.#gathered === 0 && chunk.length >= this.#need) chunk = Buffer.concat([this.#pending, chunk])
      else {
        this.#gatherChunk(chunk)
        if (this.#gathered < this.#need) return
        chunk = Buffer.concat([this.#pending, this.#gather!.subarray(0, this.#gathered)])
        this.#gather = undefined
        this.#gathered = 0
      }
      this.#pending = undefined
    }
    this.#scan(chunk)
  }

  /** Continues after a PAUSE. */
  resume(): void {
    this.#paused = false
    const rest = this.#pending
    this.#pending = undefined
    if (rest !== undefined) this.#scan(rest)
  }

  #scan(chunk: Buffer): void {
    let pos = 0
    const end = chunk.length
    if (this.#skip > 0) {
      const n = Math.min(this.#skip, end)
      this.#skip -= n
      this.#sink.pass(n === end ? chunk : chunk.subarray(0, n))
      pos = n
      if (this.#skip === 0 && this.#boundaryWaiters.length > 0) this.#atBoundaryNow()
    }
    let runStart = pos
    while (pos < end) {
      if (end - pos < 5) {
        this.#need = 5 - (end - pos)
        break
      }
      const type = chunk[pos]!
      const length = chunk.readUInt32BE(pos + 1)
      if (length < 4) {
        throw new ProtocolViolation(`invalid message length ${length} for message type ${typeLabel(type)}`)
      }
      if (length > this.#maxFrameBytes) {
        throw new ProtocolViolation(
          `message type ${typeLabel(type)} of ${length} bytes is over the ${this.#maxFrameBytes}-byte limit`,
        )
      }
      this.#framesStarted++
      if (type === this.#countedType) this.#counted++
      const frameEnd = pos + 1 + length
      if (this.#interesting[type] === 0) {
        if (frameEnd > end) {
          // Stream the start of a large uninteresting frame now; pass its tail from later chunks.
          this.#skip = frameEnd - end
          this.#flush(chunk, runStart, end)
          return
        }
        pos = frameEnd
        continue
      }
      if (frameEnd > end) {
        this.#need = frameEnd - end
        break
      }
      const verdict = this.#sink.frame(type, chunk.subarray(pos, frameEnd))
      if (verdict === KEEP) {
        pos = frameEnd
        continue
      }
      this.#flush(chunk, runStart, pos)
      if (verdict === PAUSE) {
        this.#paused = true
        this.#pending = chunk.subarray(pos)
        return
      }
      if (verdict !== DROP) this.#sink.pass(verdict)
      pos = frameEnd
      runStart = pos
    }
    this.#flush(chunk, runStart, pos)
    if (pos < end) this.#pending = chunk.subarray(pos)
  }

  #gatherChunk(chunk: Buffer): void {
    const size = this.#gathered + chunk.length
    const held = this.#gather
    if (held === undefined || size > held.length) {
      const grown = Buffer.allocUnsafe(
        Math.max(size, Math.min(Math.max(2 * (held?.length ?? 0), FIRST_GATHER_BYTES), this.#need)),
      )
      held?.copy(grown, 0, 0, this.#gathered)
      this.#gather = grown
    }
    chunk.copy(this.#gather!, this.#gathered)
    this.#gathered = size
  }

  #finishFrame(chunk: Buffer): void {
    if (this.#skip === 0) return
    const n = Math.min(this.#skip, chunk.length)
    this.#skip -= n
    this.#sink.pass(n === chunk.length ? chunk : chunk.subarray(0, n))
    if (this.#skip > 0) return
    this.#atBoundaryNow()
    const onBoundary = this.#onBoundary!
    this.#onBoundary = () => {}
    onBoundary()
  }

  #atBoundaryNow(): void {
    const waiters = this.#boundaryWaiters
    this.#boundaryWaiters = []
    for (const waiter of waiters) waiter()
  }

  #flush(chunk: Buffer, start: number, stop: number): void {
    if (stop > start)
      this.#sink.pass(start === 0 && stop === chunk.length ? chunk : chunk.subarray(start, stop))
  }
}

function typeLabel(type: number): string {
  return type >= 0x20 && type < 0x7f ? `'${String.fromCharCode(type)}'` : `0x${type.toString(16)}`
}
