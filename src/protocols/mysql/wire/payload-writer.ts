// Builds one payload from the protocol's basic data types (the writing side of payload-reader.ts).

export class PayloadWriter {
  #parts: Buffer[] = []

  int1(v: number): this {
    this.#parts.push(Buffer.from([v & 0xff]))
    return this
  }

  int2(v: number): this {
    const b = Buffer.allocUnsafe(2)
    b.writeUInt16LE(v)
    this.#parts.push(b)
    return this
  }

  int3(v: number): this {
    const b = Buffer.allocUnsafe(3)
    b.writeUIntLE(v, 0, 3)
    this.#parts.push(b)
    return this
  }

  int4(v: number): this {
    const b = Buffer.allocUnsafe(4)
    b.writeUInt32LE(v >>> 0)
    this.#parts.push(b)
    return this
  }

  int8(v: bigint): this {
    const b = Buffer.allocUnsafe(8)
    b.writeBigUInt64LE(v)
    this.#parts.push(b)
    return this
  }

  lenencInt(v: number): this {
    this.#parts.push(lenencIntBytes(v))
    return this
  }

  bytes(b: Buffer): this {
    this.#parts.push(b)
    return this
  }

  zeros(n: number): this {
    this.#parts.push(Buffer.alloc(n))
    return this
  }

  lenencBytes(b: Buffer): this {
    return this.lenencInt(b.length).bytes(b)
  }

  lenencString(s: string): this {
    return this.lenencBytes(Buffer.from(s, 'utf8'))
  }

  nulString(s: string | Buffer): this {
    this.#parts.push(typeof s === 'string' ? Buffer.from(s, 'utf8') : s, Buffer.alloc(1))
    return this
  }

  string(s: string): this {
    this.#parts.push(Buffer.from(s, 'utf8'))
    return this
  }

  build(): Buffer {
    return Buffer.concat(this.#parts)
  }
}

/** int<lenenc> (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_dt_integers.html). */
export function lenencIntBytes(v: number): Buffer {
  if (v < 0xfb) return Buffer.from([v])
  if (v <= 0xffff) {
    const b = Buffer.allocUnsafe(3)
    b[0] = 0xfc
    b.writeUInt16LE(v, 1)
    return b
  }
  if (v <= 0xffffff) {
    const b = Buffer.allocUnsafe(4)
    b[0] = 0xfd
    b.writeUIntLE(v, 1, 3)
    return b
  }
  const b = Buffer.allocUnsafe(9)
  b[0] = 0xfe
  b.writeBigUInt64LE(BigInt(v), 1)
  return b
}
