// Reads the protocol's basic data types from one payload
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html). Every read checks the
// payload's end and throws ProtocolViolation, never a RangeError, so a truncated packet is an answerable
// error, not a crash.
import { ProtocolViolation } from './protocol-violation.ts'

export class PayloadReader {
  readonly payload: Buffer
  offset: number

  constructor(payload: Buffer, offset = 0) {
    this.payload = payload
    this.offset = offset
  }

  get remaining(): number {
    return this.payload.length - this.offset
  }

  #need(n: number, what: string): void {
    if (this.offset + n > this.payload.length) throw new ProtocolViolation(`packet ends inside ${what}`)
  }

  int1(): number {
    this.#need(1, 'int<1>')
    return this.payload[this.offset++]!
  }

  int2(): number {
    this.#need(2, 'int<2>')
    const v = this.payload.readUInt16LE(this.offset)
    this.offset += 2
    return v
  }

  int3(): number {
    this.#need(3, 'int<3>')
    const v = this.payload.readUIntLE(this.offset, 3)
    this.offset += 3
    return v
  }

  int4(): number {
    this.#need(4, 'int<4>')
    const v = this.payload.readUInt32LE(this.offset)
    this.offset += 4
    return v
  }

  int8(): bigint {
    this.#need(8, 'int<8>')
    const v = this.payload.readBigUInt64LE(this.offset)
    this.offset += 8
    return v
  }

  /** int<lenenc>; 0xfb (NULL in a text row) is returned as null; 0xff is not a length. */
  lenencIntOrNull(): number | null {
    const first = this.int1()
    if (first < 0xfb) return first
    if (first === 0xfb) return null
    if (first === 0xfc) return this.int2()
    if (first === 0xfd) return this.int3()
    if (first === 0xfe) {
      const v = this.int8()
      // Lengths past 2^53 cannot index a payload (which is at most 1 GiB) anyway.
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolViolation('length-encoded integer too large')
      return Number(v)
    }
    throw new ProtocolViolation('0xff is not a length-encoded integer')
  }

  lenencInt(): number {
    const v = this.lenencIntOrNull()
    if (v === null) throw new ProtocolViolation('unexpected NULL where a length-encoded integer belongs')
    return v
  }

  bytes(n: number): Buffer {
    this.#need(n, `a ${n}-byte field`)
    const v = this.payload.subarray(this.offset, this.offset + n)
    this.offset += n
    return v
  }

  skip(n: number): void {
    this.#need(n, `${n} filler bytes`)
    this.offset += n
  }

  /** string<lenenc> as bytes; null for a NULL marker (text rows). */
  lenencBytesOrNull(): Buffer | null {
    const n = this.lenencIntOrNull()
    return n === null ? null : this.bytes(n)
  }

  lenencBytes(): Buffer {
    return this.bytes(this.lenencInt())
  }

  lenencString(): string {
    return this.lenencBytes().toString('utf8')
  }

  /** string<NUL>. */
  nulBytes(): Buffer {
    const end = this.payload.indexOf(0, this.offset)
    if (end < 0) throw new ProtocolViolation('packet ends inside a NUL-terminated string')
    const v = this.payload.subarray(this.offset, end)
    this.offset = end + 1
    return v
  }

  nulString(): string {
    return this.nulBytes().toString('utf8')
  }

  /** string<EOF>: the rest of the payload. */
  restBytes(): Buffer {
    const v = this.payload.subarray(this.offset)
    this.offset = this.payload.length
    return v
  }

  restString(): string {
    return this.restBytes().toString('utf8')
  }
}
