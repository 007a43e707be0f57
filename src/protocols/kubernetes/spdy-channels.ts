// The streams of one SPDY/3.1 exec, attach or port-forward connection (k8s.io/apimachinery httpstream/spdy):
// kubectl opens every stream with a SYN_STREAM whose `streamtype` header names it (exec/attach: error, stdin,
// stdout, stderr, resize; port-forward: data or error, with `port` and `requestid`), the server answers
// SYN_REPLY and both sides then send data frames on it. Both directions are read (spdy-frames.ts) and each
// data frame's bytes are passed on under the name of its stream. A frame that cannot be read, a stream
// opened twice, or more open streams than MAX_OPEN_STREAMS is an error: the caller closes the connection.
import {
  FLAG_FIN,
  RST_STREAM,
  type SpdyFrame,
  SpdyFrameError,
  SpdyFrameReader,
  SYN_STREAM,
} from './spdy-frames.ts'

/** kubectl opens five for an exec; a port-forward two per forwarded connection. */
const MAX_OPEN_STREAMS = 1024

export type SpdyStreamName = 'stdin' | 'stdout' | 'stderr' | 'error' | 'resize' | 'data'

const NAMES = new Set<string>(['stdin', 'stdout', 'stderr', 'error', 'resize', 'data'])

interface OpenStream {
  name: SpdyStreamName | undefined
  /** Directions that have sent FIN. */
  finished: number
}

export class SpdyChannels {
  readonly #streams = new Map<number, OpenStream>()
  readonly #onData: (name: SpdyStreamName, data: Buffer) => void
  readonly #client: SpdyFrameReader
  readonly #server: SpdyFrameReader

  /** `onData` gets the bytes of each data frame of a named stream (stdin from the client, the rest from the
   * server, as the protocol has them; port-forward `data` both ways). */
  constructor(onData: (name: SpdyStreamName, data: Buffer) => void) {
    this.#onData = onData
    this.#client = new SpdyFrameReader((f) => this.#frame(f, 1))
    this.#server = new SpdyFrameReader((f) => this.#frame(f, 2))
  }

  /** Reads bytes from kubectl; the reason to close the connection when they cannot be read. */
  fromClient(chunk: Buffer): string | undefined {
    return this.#push(this.#client, chunk)
  }

  fromServer(chunk: Buffer): string | undefined {
    return this.#push(this.#server, chunk)
  }

  close(): void {
    this.#client.close()
    this.#server.close()
  }

  #push(reader: SpdyFrameReader, chunk: Buffer): string | undefined {
    try {
      reader.push(chunk)
      return undefined
    } catch (error) {
      if (error instanceof SpdyFrameError) return error.message
      throw error
    }
  }

  #frame(frame: SpdyFrame, direction: 1 | 2): void {
    if (frame.type === 'data') {
      const stream = this.#streams.get(frame.streamId)
      if (stream?.name && frame.data.length > 0) this.#onData(stream.name, frame.data)
      if (stream && frame.fin) this.#finish(frame.streamId, stream, direction)
      return
    }
    if (frame.control === SYN_STREAM) {
      if (this.#streams.has(frame.streamId))
        throw new SpdyFrameError(`SPDY stream ${frame.streamId} opened twice`)
      if (this.#streams.size >= MAX_OPEN_STREAMS)
        throw new SpdyFrameError(`more than ${MAX_OPEN_STREAMS} SPDY streams open at once`)
      const type = frame.headers?.get('streamtype')?.[0]
      const stream: OpenStream = {
        name: type && NAMES.has(type) ? (type as SpdyStreamName) : undefined,
        finished: 0,
      }
      this.#streams.set(frame.streamId, stream)
      if (frame.flags & FLAG_FIN) this.#finish(frame.streamId, stream, direction)
    } else if (frame.control === RST_STREAM) {
      this.#streams.delete(frame.streamId)
    } else if (frame.headers && frame.flags & FLAG_FIN) {
      // SYN_REPLY or HEADERS with FIN: the answering side is done sending.
      const stream = this.#streams.get(frame.streamId)
      if (stream) this.#finish(frame.streamId, stream, direction)
    }
  }

  /** A stream both sides have finished is forgotten (a long port-forward opens new ones all along). */
  #finish(id: number, stream: OpenStream, direction: 1 | 2): void {
    stream.finished |= direction
    if (stream.finished === 3) this.#streams.delete(id)
  }
}
