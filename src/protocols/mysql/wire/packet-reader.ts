// Incremental reader of MySQL packets: int<3> payload length, int<1> sequence id, payload
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_packets.html). A payload of 2^24-1 bytes
// or more travels as several packets of 0xffffff bytes and a last shorter one (possibly empty); the reader
// joins them into one logical packet, so callers never see the split.
import { PacketTooLarge, ProtocolViolation } from './protocol-violation.ts'

/** The largest payload one physical packet carries; a packet this long continues in the next. */
export const MAX_PACKET_PAYLOAD = 0xffffff

/** One logical packet: the joined payload, the sequence id of its FIRST physical packet (a command starts
 * at 0) and of its LAST (the next packet in the exchange uses that plus one). */
export interface Packet {
  firstSequenceId: number
  sequenceId: number
  payload: Buffer
  /** Header and payload as they arrived, when the packet was one physical packet (rawFrameOf). */
  frame?: Buffer
}

/** int<3> payload length and int<1> sequence id before each payload. */
export const HEADER_BYTES = 4

export class PacketReader {
  readonly #maxPayloadBytes: number
  /** Bytes received and not yet read: `#held[#start, #end)`. A chunk that starts them is held as it came (its
   * packets are read as views of it); later chunks are copied after it into a buffer that doubles as they
   * come. Never written before #end, so a packet already read stays as it was. Holding the chunks as a list
   * kept a Buffer object per socket read until a packet was whole: a 2 MiB packet sent a byte a read held
   * 352 MB (the default packet limit is 64 MiB). */
  #held: Buffer = Buffer.alloc(0)
  #start = 0
  #end = 0
  /** Payload pieces of a logical packet split over several physical ones. */
  #parts: Buffer[] = []
  #partsBytes = 0
  /** The sequence id of the first physical packet of the logical packet being joined. */
  #firstSequenceId = 0
  #expectedSequenceId: number | undefined

  /** `maxPayloadBytes` bounds one logical packet (the server's max_allowed_packet plays this role; 1 GiB is
   * the protocol's own ceiling). A longer packet is a ProtocolViolation before its bytes are buffered. */
  constructor(maxPayloadBytes = 64 * 1024 * 1024) {
    this.#maxPayloadBytes = maxPayloadBytes
  }

  /** Checks that the next packet carries `sequenceId` (each exchange restarts at 0); undefined: any. */
  expectSequenceId(sequenceId: number | undefined): void {
    this.#expectedSequenceId = sequenceId
  }

  /** Bytes held that are not yet part of a complete logical packet. */
  get bufferedBytes(): number {
    return this.#end - this.#start + this.#partsBytes
  }

  /** Bytes still to come before the physical packet in progress is whole (its header first): 0 when none is
   * in progress. A caller that cuts whole packets out of chunks itself feeds the reader only these. */
  get missingBytes(): number {
    const buffered = this.#end - this.#start
    if (buffered === 0) return 0
    if (buffered < HEADER_BYTES) return HEADER_BYTES - buffered
    return HEADER_BYTES + this.#held.readUIntLE(this.#start, 3) - buffered
  }

  /** Buffers held for packets not yet whole: what a paced peer can make it keep. */
  get heldBuffers(): number {
    return (this.#end > this.#start ? 1 : 0) + this.#parts.length
  }

  /** A payload split over several physical packets is being joined. */
  get joining(): boolean {
    return this.#parts.length > 0
  }

  /** Feeds a chunk; returns the logical packets it completes, in order. Throws only ProtocolViolation. */
  push(chunk: Buffer): Packet[] {
    // The common case, a chunk that is exactly one packet (a client's command): no buffering, one view.
    if (this.#end === this.#start && this.#parts.length === 0 && chunk.length >= HEADER_BYTES) {
      const length = chunk[0]! | (chunk[1]! << 8) | (chunk[2]! << 16)
      if (
        chunk.length === HEADER_BYTES + length &&
        length < MAX_PACKET_PAYLOAD &&
        length <= this.#maxPayloadBytes
      )
        return [this.#whole(chunk, length)]
    }
    if (chunk.length > 0) this.#append(chunk)
    const out: Packet[] = []
    for (;;) {
      const packet = this.#next()
      if (packet === undefined) return out
      out.push(packet)
    }
  }

  /** `chunk` is one whole physical packet of `length` bytes that is not split. */
  #whole(chunk: Buffer, length: number): Packet {
    const sequenceId = chunk[3]!
    if (this.#expectedSequenceId !== undefined) {
      if (sequenceId !== this.#expectedSequenceId)
        throw new ProtocolViolation(
          `packet out of order: sequence id ${sequenceId}, expected ${this.#expectedSequenceId}`,
        )
      this.#expectedSequenceId = (sequenceId + 1) & 0xff
    }
    this.#firstSequenceId = sequenceId
    return {
      firstSequenceId: sequenceId,
      sequenceId,
      payload: chunk.subarray(HEADER_BYTES, HEADER_BYTES + length),
      frame: chunk,
    }
  }

  /** Whatever has arrived after the last complete packet (after a TLS upgrade it must be empty). */
  takeRemainder(): Buffer {
    const rest = this.#held.subarray(this.#start, this.#end)
    this.#held = Buffer.alloc(0)
    this.#start = 0
    this.#end = 0
    return rest
  }

  #next(): Packet | undefined {
    if (this.#end - this.#start < HEADER_BYTES) return undefined
    const length = this.#held.readUIntLE(this.#start, 3)
    const sequenceId = this.#held[this.#start + 3]!
    if (this.#partsBytes + length > this.#maxPayloadBytes) {
      throw new PacketTooLarge(this.#maxPayloadBytes)
    }
    if (this.#expectedSequenceId !== undefined && sequenceId !== this.#expectedSequenceId) {
      throw new ProtocolViolation(
        `packet out of order: sequence id ${sequenceId}, expected ${this.#expectedSequenceId}`,
      )
    }
    // The pieces of one split payload are numbered one after another whatever the exchange expects: a
    // piece out of order is not part of the same packet.
    const previous = this.#firstSequenceId + this.#parts.length
    if (this.#parts.length > 0 && sequenceId !== (previous & 0xff)) {
      throw new ProtocolViolation(
        `split packet out of order: sequence id ${sequenceId}, expected ${previous & 0xff}`,
      )
    }
    if (this.#end - this.#start < HEADER_BYTES + length) return undefined
    const whole = this.#take(HEADER_BYTES + length)
    const payload = whole.subarray(HEADER_BYTES)
    if (this.#expectedSequenceId !== undefined) this.#expectedSequenceId = (sequenceId + 1) & 0xff
    if (this.#parts.length === 0) this.#firstSequenceId = sequenceId
    if (length === MAX_PACKET_PAYLOAD) {
      this.#parts.push(payload)
      this.#partsBytes += length
      return this.#next()
    }
    if (this.#parts.length === 0) return { firstSequenceId: sequenceId, sequenceId, payload, frame: whole }
    this.#parts.push(payload)
    const joined = Buffer.concat(this.#parts)
    this.#parts = []
    this.#partsBytes = 0
    return { firstSequenceId: this.#firstSequenceId, sequenceId, payload: joined }
  }

  /** Consumes the first `n` buffered bytes (a view). */
  #take(n: number): Buffer {
    const taken = this.#held.subarray(this.#start, this.#start + n)
    this.#start += n
    if (this.#start === this.#end) {
      this.#held = Buffer.alloc(0)
      this.#start = 0
      this.#end = 0
    }
    return taken
  }

  #append(chunk: Buffer): void {
    const held = this.#end - this.#start
    if (held === 0) {
      this.#held = chunk
      this.#start = 0
      this.#end = chunk.length
      return
    }
    if (this.#end + chunk.length > this.#held.length) {
      // Room for twice what is held, up to the packet's end when its header has come.
      const size = held + chunk.length
      const packetEnd = held >= HEADER_BYTES ? HEADER_BYTES + this.#held.readUIntLE(this.#start, 3) : size
      const grown = Buffer.allocUnsafe(
        Math.max(size, Math.min(Math.max(2 * held, FIRST_HELD_BYTES), packetEnd)),
      )
      this.#held.copy(grown, 0, this.#start, this.#end)
      this.#held = grown
      this.#start = 0
      this.#end = held
    }
    chunk.copy(this.#held, this.#end)
    this.#end += chunk.length
  }
}

/** The first buffer later chunks are copied into while a packet is incomplete. */
const FIRST_HELD_BYTES = 16 * 1024

/** Frames a payload as one or more physical packets starting at `sequenceId`; returns the bytes and the
 * sequence id the next packet of the exchange takes. */
export function encodePacket(payload: Buffer, sequenceId: number): { bytes: Buffer; nextSequenceId: number } {
  const pieces: Buffer[] = []
  let seq = sequenceId & 0xff
  let offset = 0
  for (;;) {
    const length = Math.min(MAX_PACKET_PAYLOAD, payload.length - offset)
    const header = Buffer.allocUnsafe(HEADER_BYTES)
    header.writeUIntLE(length, 0, 3)
    header[3] = seq
    pieces.push(header, payload.subarray(offset, offset + length))
    offset += length
    seq = (seq + 1) & 0xff
    // A payload of exactly n × 0xffffff bytes ends with an empty packet, so the reader knows it is whole.
    if (length < MAX_PACKET_PAYLOAD) break
  }
  return { bytes: Buffer.concat(pieces), nextSequenceId: seq }
}

/** The packet's frame as it arrived (header and payload, a view of the chunk it came in, no copy), when it
 * was one physical packet; undefined for a payload joined from several. */
export function rawFrameOf(packet: Packet): Buffer | undefined {
  return packet.frame
}
