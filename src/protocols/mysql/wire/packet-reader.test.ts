import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { encodePacket, MAX_PACKET_PAYLOAD, type Packet, PacketReader, rawFrameOf } from './packet-reader.ts'
import { ProtocolViolation } from './protocol-violation.ts'

const framed = (payload: Buffer, seq: number) => encodePacket(payload, seq).bytes

/** The packets, without the raw frame views (rawFrameOf has its own test). */
function readAll(chunks: Buffer[], reader = new PacketReader()): Packet[] {
  return chunks.flatMap((c) => reader.push(c)).map(({ frame: _, ...packet }) => packet)
}

const stream = Buffer.concat([
  framed(Buffer.from('\x03select 1'), 0),
  framed(Buffer.alloc(0), 1),
  framed(Buffer.alloc(300, 0x61), 2),
])
const expected = [
  { firstSequenceId: 0, sequenceId: 0, payload: Buffer.from('\x03select 1') },
  { firstSequenceId: 1, sequenceId: 1, payload: Buffer.alloc(0) },
  { firstSequenceId: 2, sequenceId: 2, payload: Buffer.alloc(300, 0x61) },
]

test('several packets in one chunk come out in order', () => {
  assert.deepEqual(readAll([stream]), expected)
})

test('split at every byte: the same packets', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    assert.deepEqual(readAll([stream.subarray(0, cut), stream.subarray(cut)]), expected, `cut ${cut}`)
  }
})

test('one byte at a time: the same packets', () => {
  assert.deepEqual(readAll([...stream].map((b) => Buffer.from([b]))), expected)
})

test('a payload of 16 MiB and more is split into 0xffffff-byte packets and joined back', () => {
  const big = Buffer.alloc(MAX_PACKET_PAYLOAD + 10)
  big.fill(7)
  big[MAX_PACKET_PAYLOAD] = 9
  const { bytes, nextSequenceId } = encodePacket(big, 3)
  assert.equal(nextSequenceId, 5)
  assert.equal(bytes.readUIntLE(0, 3), MAX_PACKET_PAYLOAD)
  assert.equal(bytes[3], 3)
  const [packet, ...rest] = readAll(
    [bytes.subarray(0, 1000), bytes.subarray(1000, 20_000_000), bytes.subarray(20_000_000)],
    new PacketReader(32 * 1024 * 1024),
  )
  assert.equal(rest.length, 0)
  assert.equal(packet!.firstSequenceId, 3)
  assert.equal(packet!.sequenceId, 4)
  assert.ok(packet!.payload.equals(big))
})

test('the pieces of a split payload must be numbered one after another', () => {
  const big = encodePacket(Buffer.alloc(MAX_PACKET_PAYLOAD + 1), 0).bytes
  // The second piece claims sequence id 5 where 1 follows 0: not part of the same packet.
  big[MAX_PACKET_PAYLOAD + 4 + 3] = 5
  assert.throws(() => readAll([big], new PacketReader(32 * 1024 * 1024)), /split packet out of order/)
})

test('a payload of exactly 0xffffff bytes ends with an empty packet', () => {
  const exact = Buffer.alloc(MAX_PACKET_PAYLOAD, 1)
  const { bytes, nextSequenceId } = encodePacket(exact, 0)
  assert.equal(bytes.length, MAX_PACKET_PAYLOAD + 8)
  assert.equal(nextSequenceId, 2)
  const packets = readAll([bytes], new PacketReader(32 * 1024 * 1024))
  assert.equal(packets.length, 1)
  assert.equal(packets[0]!.payload.length, MAX_PACKET_PAYLOAD)
})

test('a packet longer than the bound is refused before its bytes are buffered', () => {
  const reader = new PacketReader(1024)
  const header = Buffer.from([0x01, 0x10, 0x00, 0x00]) // 4097 bytes
  assert.throws(() => reader.push(header), ProtocolViolation)
  // Joined packets count as one: four full-size headers alone exceed 32 MiB.
  const joined = new PacketReader(20 * 1024 * 1024)
  const full = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0]), Buffer.alloc(MAX_PACKET_PAYLOAD)])
  joined.push(full)
  assert.throws(() => joined.push(Buffer.from([0xff, 0xff, 0xff, 1])), ProtocolViolation)
})

test('an expected sequence id is enforced and advances', () => {
  const reader = new PacketReader()
  reader.expectSequenceId(1)
  assert.equal(reader.push(framed(Buffer.from('a'), 1)).length, 1)
  assert.throws(() => reader.push(framed(Buffer.from('b'), 5)), /out of order/)
})

test('sequence ids wrap at 255', () => {
  const { bytes, nextSequenceId } = encodePacket(Buffer.from('x'), 255)
  assert.equal(bytes[3], 255)
  assert.equal(nextSequenceId, 0)
})

test('any chunking of any packet sequence yields the same packets (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 10 }),
      (payloads, cuts) => {
        const packets = payloads.map((p, i) => ({
          firstSequenceId: i,
          sequenceId: i,
          payload: Buffer.from(p),
        }))
        const bytes = Buffer.concat(packets.map((p) => framed(p.payload, p.sequenceId)))
        const chunks: Buffer[] = []
        let at = 0
        for (let i = 0; at < bytes.length; i++) {
          const n = cuts[i % cuts.length]!
          chunks.push(bytes.subarray(at, at + n))
          at += n
        }
        const reader = new PacketReader()
        assert.deepEqual(readAll(chunks, reader), packets)
        assert.equal(reader.bufferedBytes, 0)
      },
    ),
  )
})

test('rawFrameOf: a packet read from one chunk is the chunk’s own bytes; a joined one has none', () => {
  const chunk = Buffer.concat([framed(Buffer.from('abc'), 3), framed(Buffer.from('de'), 4)])
  const [a, b] = new PacketReader().push(chunk)
  const frameA = rawFrameOf(a!)!
  assert.ok(frameA.equals(chunk.subarray(0, 7)))
  assert.equal(frameA.buffer, chunk.buffer, 'a view, not a copy')
  assert.ok(rawFrameOf(b!)!.equals(chunk.subarray(7)))
  const big = encodePacket(Buffer.alloc(MAX_PACKET_PAYLOAD + 1), 0).bytes
  const [joined] = new PacketReader(32 * 1024 * 1024).push(big)
  assert.equal(rawFrameOf(joined!), undefined)
})

test('missingBytes: feeding exactly that many bytes ends the packet in progress and leaves nothing held', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    const reader = new PacketReader()
    const out = reader.push(stream.subarray(0, cut))
    let at = cut
    while (reader.bufferedBytes > 0) {
      const n = reader.missingBytes
      assert.ok(n > 0 && at + n <= stream.length, `cut ${cut}`)
      out.push(...reader.push(stream.subarray(at, at + n)))
      at += n
    }
    assert.equal(reader.missingBytes, 0)
    out.push(...reader.push(stream.subarray(at)))
    assert.deepEqual(
      out.map(({ frame: _, ...p }) => p),
      expected,
      `cut ${cut}`,
    )
  }
})

test('a packet sent a byte a read is gathered in one buffer, not held as its pieces', () => {
  const payload = Buffer.alloc(200_000, 0x61)
  const { bytes } = encodePacket(payload, 0)
  const reader = new PacketReader()
  // A Buffer object per socket read was held until the packet was whole (2 MiB sent so held 352 MB).
  let most = 0
  const packets: Packet[] = []
  for (let i = 0; i < bytes.length; i++) {
    packets.push(...reader.push(bytes.subarray(i, i + 1)))
    most = Math.max(most, reader.heldBuffers)
  }
  assert.equal(most, 1)
  assert.equal(reader.heldBuffers, 0)
  assert.deepEqual(
    packets.map((p) => p.payload),
    [payload],
  )
})

test('a packet already read is not changed by the bytes that come after it', () => {
  const first = encodePacket(Buffer.from('first'), 0).bytes
  const second = encodePacket(Buffer.alloc(50_000, 0x62), 1).bytes
  const reader = new PacketReader()
  const [a] = reader.push(Buffer.concat([first.subarray(0, 3)]))
  assert.equal(a, undefined)
  const read = reader.push(Buffer.concat([first.subarray(3), second.subarray(0, 10)]))
  assert.equal(read.length, 1)
  const kept = read[0]!.payload
  const rest: Packet[] = []
  for (let i = 10; i < second.length; i += 7) rest.push(...reader.push(second.subarray(i, i + 7)))
  assert.equal(kept.toString(), 'first')
  assert.deepEqual(
    rest.map((p) => p.payload),
    [Buffer.alloc(50_000, 0x62)],
  )
})
