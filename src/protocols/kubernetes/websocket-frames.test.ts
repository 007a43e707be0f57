import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WebSocketFrameReader } from './websocket-frames.ts'

/** One frame (RFC 6455 §5.2): FIN, `opcode`, the length in its shortest form, masked when a key is given. */
function frame(opcode: number, payload: Buffer, mask?: Buffer): Buffer {
  const n = payload.length
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10)
  if (n >= 126) {
    head[0] = 0x80 | opcode
    head[1] = n < 65_536 ? 126 : 127
    if (n < 65_536) head.writeUInt16BE(n, 2)
    else head.writeBigUInt64BE(BigInt(n), 2)
  }
  if (!mask) return Buffer.concat([head, payload])
  head[1]! |= 0x80
  const body = Buffer.from(payload)
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!
  return Buffer.concat([head, mask, body])
}

function readAll(bytes: Buffer, pieceSizes: () => number): Buffer[] {
  const payloads: Buffer[] = []
  const reader = new WebSocketFrameReader((payload) => payloads.push(payload))
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, pieceSizes())
    reader.push(bytes.subarray(at, at + n))
    at += n
  }
  return payloads
}

test('data frames of every length form, masked or not, come out whole however the bytes are cut', () => {
  const payloads = [0, 1, 125, 126, 65_535, 65_536, 200_000].map((n, i) =>
    Buffer.alloc(n, String.fromCharCode(97 + i)),
  )
  const mask = Buffer.from([1, 2, 3, 4])
  const stream = Buffer.concat([
    ...payloads.map((p, i) => frame(0x2, p, i % 2 ? mask : undefined)),
    frame(0x9, Buffer.from('ping')), // control frames are not passed on
  ])
  let seed = 7
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed
  }
  for (const pieces of [() => stream.length, () => 1, () => 13, () => random() % 70_000]) {
    const out = readAll(stream, pieces)
    assert.deepEqual(
      out.map((p) => p.length),
      payloads.map((p) => p.length),
    )
    for (const [i, p] of out.entries()) assert.ok(p.equals(payloads[i]!), `payload ${i}`)
  }
})

test('a frame over the limit is skipped, and the frames after it are read', () => {
  const stream = Buffer.concat([frame(0x2, Buffer.alloc(5 * 1024 * 1024)), frame(0x1, Buffer.from('after'))])
  const out = readAll(stream, () => 64 * 1024)
  assert.deepEqual(
    out.map((p) => p.toString()),
    ['after'],
  )
})

test('a frame trickled in small pieces is joined once, not copied again with every piece', (t) => {
  let copied = 0
  const concat = Buffer.concat
  t.mock.method(Buffer, 'concat', (list: Uint8Array[], total?: number) => {
    const joined = concat(list, total)
    copied += joined.length
    return joined
  })
  const payload = Buffer.alloc(1024 * 1024, 'x')
  const out = readAll(frame(0x2, payload), () => 64)
  assert.equal(out.length, 1)
  // Quadratic joining copies about half a GiB here (16,384 pieces, half a MiB each on average).
  assert.ok(copied < 3 * payload.length, `${copied} bytes copied for a ${payload.length}-byte frame`)
})

test('a frame paced out a byte at a time is held as one buffer, not as its pieces', () => {
  const payload = Buffer.alloc(1024 * 1024)
  for (let i = 0; i < payload.length; i++) payload[i] = i % 251
  const bytes = frame(0x2, payload, Buffer.from([9, 8, 7, 6]))
  const out: Buffer[] = []
  const reader = new WebSocketFrameReader((p) => out.push(p))
  let most = 0
  for (let at = 0; at < bytes.length; at++) {
    // A fresh Buffer per read, as a socket gives them: holding them all was ~1 million objects here.
    reader.push(Buffer.from(bytes.subarray(at, at + 1)))
    most = Math.max(most, reader.heldBuffers)
  }
  assert.equal(out.length, 1)
  assert.ok(out[0]!.equals(payload))
  assert.ok(most <= 2, `held ${most} buffers`)
})
