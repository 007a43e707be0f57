// Writes SPDY/3 frames as Go's spdy package does (header blocks through one zlib context per direction,
// primed with SPDY's dictionary, sync-flushed per block): for the exec stand-in's server side and for tests
// that play a client.
import {
  FLAG_FIN,
  GOAWAY,
  PING,
  RST_STREAM,
  SYN_REPLY,
  SYN_STREAM,
} from '../../src/protocols/kubernetes/spdy-frames.ts'
import { SpdyHeaderZlib } from '../../src/protocols/kubernetes/spdy-zlib.ts'

export class SpdyWriter {
  readonly #zlib = new SpdyHeaderZlib('deflate', 16 * 1024 * 1024)

  synStream(streamId: number, headers: Record<string, string>, fin = false): Buffer {
    const head = Buffer.alloc(10)
    head.writeUInt32BE(streamId, 0)
    return control(SYN_STREAM, fin ? FLAG_FIN : 0, Buffer.concat([head, this.headerBlock(headers)]))
  }

  synReply(streamId: number, headers: Record<string, string> = {}): Buffer {
    return control(SYN_REPLY, 0, Buffer.concat([u32(streamId), this.headerBlock(headers)]))
  }

  /** A header block, compressed in this writer's context (so it must be sent, in order). */
  headerBlock(headers: Record<string, string>): Buffer {
    const entries = Object.entries(headers)
    const parts = [u32(entries.length)]
    for (const [name, value] of entries) {
      parts.push(
        u32(Buffer.byteLength(name)),
        Buffer.from(name),
        u32(Buffer.byteLength(value)),
        Buffer.from(value),
      )
    }
    return this.#zlib.process(Buffer.concat(parts))
  }

  close(): void {
    this.#zlib.close()
  }
}

export function dataFrame(streamId: number, data: Buffer | string, fin = false): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data
  const head = Buffer.alloc(8)
  head.writeUInt32BE(streamId & 0x7fffffff, 0)
  head[4] = fin ? FLAG_FIN : 0
  head.writeUIntBE(payload.length, 5, 3)
  return Buffer.concat([head, payload])
}

export const rstStream = (streamId: number, status = 5): Buffer =>
  control(RST_STREAM, 0, Buffer.concat([u32(streamId), u32(status)]))
export const ping = (id: number): Buffer => control(PING, 0, u32(id))
export const goAway = (): Buffer => control(GOAWAY, 0, Buffer.concat([u32(0), u32(0)]))

export function control(type: number, flags: number, payload: Buffer, version = 3): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt16BE(0x8000 | version, 0)
  head.writeUInt16BE(type, 2)
  head[4] = flags
  head.writeUIntBE(payload.length, 5, 3)
  return Buffer.concat([head, payload])
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0, 0)
  return b
}
