// SPDY/3 frames (draft-mbelshe-httpbis-spdy-00 §2.2, as Go's spdy package in the API server's spdystream
// reads them) of one direction of a connection, read incrementally from the relayed bytes: the 8-byte frame
// header; control frames (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE)
// whole, header blocks inflated by the direction's zlib context (spdy-zlib.ts) and read as name/value pairs;
// data frames passed on in pieces as they arrive (never held whole: a frame may be 16 MiB). Anything else (a
// version other than 3, an unknown control type, a malformed or oversized control frame or header block) is a
// SpdyFrameError: the caller closes the stream rather than relay what it cannot read.
import { SpdyHeaderZlib, SpdyHeaderZlibError } from './spdy-zlib.ts'

export const SPDY_VERSION = 3
/** Control frame types (§2.6). */
export const SYN_STREAM = 1
export const SYN_REPLY = 2
export const RST_STREAM = 3
export const SETTINGS = 4
export const PING = 6
export const GOAWAY = 7
export const HEADERS = 8
export const WINDOW_UPDATE = 9
/** FLAG_FIN of data frames and SYN_STREAM/SYN_REPLY/HEADERS. */
export const FLAG_FIN = 0x01

/** Largest control frame held (kubectl's are a few dozen bytes; SETTINGS and header blocks stay small). */
const MAX_CONTROL_BYTES = 64 * 1024
/** Largest inflated header block. */
const MAX_HEADER_BLOCK_BYTES = 64 * 1024
/** Most name/value pairs in one header block. */
const MAX_HEADER_PAIRS = 256

export type SpdyHeaders = Map<string, string[]>

export type SpdyFrame =
  | {
      type: 'control'
      control: number
      flags: number
      /** The stream a frame is about; 0 for SETTINGS, PING and GOAWAY (whose first word is not one). */
      streamId: number
      headers?: SpdyHeaders
      /** A PING's id (its receiver answers with the same id). */
      pingId?: number
    }
  | { type: 'data'; streamId: number; data: Buffer; fin: boolean }

export class SpdyFrameError extends Error {}

/** Length each control type must have, or the least it may have (header blocks follow). */
const FIXED_LENGTH: Record<number, number> = { [RST_STREAM]: 8, [PING]: 4, [GOAWAY]: 8, [WINDOW_UPDATE]: 8 }
const HEADER_BLOCK_AT: Record<number, number> = { [SYN_STREAM]: 10, [SYN_REPLY]: 4, [HEADERS]: 4 }

export class SpdyFrameReader {
  readonly #onFrame: (frame: SpdyFrame) => void
  readonly #zlib = new SpdyHeaderZlib('inflate', MAX_HEADER_BLOCK_BYTES)
  /** The frame header being read (8 bytes), or a control frame's payload being gathered. */
  #pending: Buffer[] = []
  #pendingBytes = 0
  /** The current frame: undefined while its header is read. */
  #frame: { control: number; flags: number; length: number; streamId: number } | undefined
  /** Payload bytes of the current data frame still to come. */
  #dataLeft = 0
  #failed: string | undefined

  constructor(onFrame: (frame: SpdyFrame) => void) {
    this.#onFrame = onFrame
  }

  /** Reads a chunk; throws SpdyFrameError (and every later call does) at the first frame it cannot read. */
  push(chunk: Buffer): void {
    if (this.#failed !== undefined) throw new SpdyFrameError(this.#failed)
    try {
      this.#read(chunk)
    } catch (error) {
      if (!(error instanceof SpdyFrameError || error instanceof SpdyHeaderZlibError)) throw error
      this.#failed = error.message
      this.close()
      throw new SpdyFrameError(error.message)
    }
  }

  close(): void {
    this.#zlib.close()
  }

  #read(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      const frame = this.#frame
      if (frame === undefined) {
        at = this.#gather(chunk, at, 8)
        if (this.#pendingBytes < 8) return
        this.#startFrame(this.#take())
      } else if (frame.control === 0) {
        const n = Math.min(this.#dataLeft, chunk.length - at)
        this.#dataLeft -= n
        const fin = this.#dataLeft === 0 && (frame.flags & FLAG_FIN) !== 0
        this.#onFrame({ type: 'data', streamId: frame.streamId, data: chunk.subarray(at, at + n), fin })
        at += n
        if (this.#dataLeft === 0) this.#frame = undefined
      } else {
        at = this.#gather(chunk, at, frame.length)
        if (this.#pendingBytes < frame.length) return
        this.#frame = undefined
        this.#control(frame, this.#take())
      }
    }
    // A frame whose payload is empty ends with its header.
    this.#endEmptyFrame()
  }

  /** Moves bytes of `chunk` from `at` into the pending buffer until it holds `want`; returns the new offset. */
  #gather(chunk: Buffer, at: number, want: number): number {
    const n = Math.min(want - this.#pendingBytes, chunk.length - at)
    if (n > 0) {
      this.#pending.push(chunk.subarray(at, at + n))
      this.#pendingBytes += n
    }
    return at + n
  }

  #take(): Buffer {
    const bytes =
      this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes)
    this.#pending = []
    this.#pendingBytes = 0
    return bytes
  }

  #startFrame(header: Buffer): void {
    const first = header.readUInt32BE(0)
    const flags = header[4]!
    const length = header.readUIntBE(5, 3)
    if ((first & 0x80000000) === 0) {
      this.#frame = { control: 0, flags, length, streamId: first & 0x7fffffff }
      this.#dataLeft = length
      this.#endEmptyFrame()
      return
    }
    const version = (first >>> 16) & 0x7fff
    const control = first & 0xffff
    if (version !== SPDY_VERSION) throw new SpdyFrameError(`a SPDY frame of version ${version}, not 3`)
    if (FIXED_LENGTH[control] === undefined && HEADER_BLOCK_AT[control] === undefined && control !== SETTINGS)
      throw new SpdyFrameError(`an unknown SPDY control frame type ${control}`)
    if (length > MAX_CONTROL_BYTES)
      throw new SpdyFrameError(`a SPDY control frame of ${length} bytes (at most ${MAX_CONTROL_BYTES})`)
    this.#frame = { control, flags, length, streamId: 0 }
    if (length === 0) {
      this.#frame = undefined
      this.#control({ control, flags, length }, Buffer.alloc(0))
    }
  }

  #endEmptyFrame(): void {
    const frame = this.#frame
    if (frame?.control !== 0 || this.#dataLeft !== 0 || frame.length !== 0) return
    this.#frame = undefined
    this.#onFrame({
      type: 'data',
      streamId: frame.streamId,
      data: Buffer.alloc(0),
      fin: (frame.flags & FLAG_FIN) !== 0,
    })
  }

  #control(frame: { control: number; flags: number; length: number }, payload: Buffer): void {
    const { control, flags } = frame
    const fixed = FIXED_LENGTH[control]
    if (fixed !== undefined && payload.length !== fixed)
      throw new SpdyFrameError(`a SPDY control frame ${control} of ${payload.length} bytes, not ${fixed}`)
    if (control === SETTINGS) {
      if (payload.length < 4 || payload.length !== 4 + 8 * payload.readUInt32BE(0))
        throw new SpdyFrameError('a SPDY SETTINGS frame whose length does not match its entries')
      this.#onFrame({ type: 'control', control, flags, streamId: 0 })
      return
    }
    if (control === PING || control === GOAWAY) {
      const word = payload.readUInt32BE(0)
      this.#onFrame({
        type: 'control',
        control,
        flags,
        streamId: 0,
        ...(control === PING ? { pingId: word } : {}),
      })
      return
    }
    const streamId = payload.readUInt32BE(0) & 0x7fffffff
    const blockAt = HEADER_BLOCK_AT[control]
    if (blockAt === undefined) {
      this.#onFrame({ type: 'control', control, flags, streamId })
      return
    }
    if (payload.length < blockAt) throw new SpdyFrameError(`a SPDY control frame ${control} cut short`)
    if (streamId === 0) throw new SpdyFrameError(`a SPDY control frame ${control} on stream 0`)
    const headers = readHeaderBlock(this.#zlib.process(payload.subarray(blockAt)))
    this.#onFrame({ type: 'control', control, flags, streamId, headers })
  }
}

/** An inflated header block (§2.6.10): a count, then length-prefixed names and values (values may hold
 * several, separated by NUL). Names are read lower-cased, as Go's framer does. */
function readHeaderBlock(block: Buffer): SpdyHeaders {
  const short = () => new SpdyFrameError('a SPDY header block cut short')
  if (block.length < 4) throw short()
  const count = block.readUInt32BE(0)
  if (count > MAX_HEADER_PAIRS) throw new SpdyFrameError(`a SPDY header block of ${count} headers`)
  const headers: SpdyHeaders = new Map()
  let at = 4
  const field = (): string => {
    if (at + 4 > block.length) throw short()
    const length = block.readUInt32BE(at)
    at += 4
    if (at + length > block.length) throw short()
    const text = block.toString('latin1', at, at + length)
    at += length
    return text
  }
  for (let i = 0; i < count; i++) {
    const name = field()
    if (name !== name.toLowerCase() || headers.has(name))
      throw new SpdyFrameError('a SPDY header block with a name in upper case or given twice')
    headers.set(name, field().split('\0'))
  }
  if (at !== block.length) throw new SpdyFrameError('a SPDY header block with bytes after its headers')
  return headers
}
