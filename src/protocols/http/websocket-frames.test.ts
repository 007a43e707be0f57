import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closePayload, encodeFrame, type FrameHead, FrameParser, OPCODE } from './websocket-frames.ts'

const MASK = Buffer.from([1, 2, 3, 4])

function frame(
  opcode: number,
  payload: string | Buffer,
  options: { fin?: boolean; mask?: boolean } = {},
): Buffer {
  const bytes = encodeFrame(opcode, Buffer.from(payload), options.mask === false ? undefined : MASK)
  if (options.fin === false) bytes[0]! &= 0x7f
  return bytes
}

/** Frames as the parser reports them: opcode, fin, message type and the unmasked payload. */
function read(fromClient: boolean, chunks: Buffer[]): string[] {
  const seen: string[] = []
  let payload: Buffer[] = []
  const parser = new FrameParser(fromClient, {
    head: () => {
      payload = []
    },
    payload: (data) => void payload.push(Buffer.from(data)),
    end: (f: FrameHead) =>
      void seen.push(
        `${f.opcode}/${f.fin ? 'fin' : 'more'}/${f.message}:${Buffer.concat(payload).toString()}`,
      ),
  })
  for (const chunk of chunks) parser.push(chunk)
  return seen
}

const bytewise = (b: Buffer): Buffer[] => [...b].map((x) => Buffer.from([x]))

test('reads masked frames split at every byte, fragmented messages with a control frame inside', () => {
  const wire = Buffer.concat([
    frame(OPCODE.text, 'hel', { fin: false }),
    frame(OPCODE.ping, 'p'),
    frame(OPCODE.continuation, 'lo'),
    frame(OPCODE.binary, Buffer.alloc(70_000, 1)),
    frame(OPCODE.text, ''),
    frame(OPCODE.close, closePayload(1000, 'bye')),
  ])
  const expected = [
    '1/more/1:hel',
    '9/fin/0:p',
    '0/fin/1:lo',
    `2/fin/2:${Buffer.alloc(70_000, 1).toString()}`,
    '1/fin/1:',
    `8/fin/0:${closePayload(1000, 'bye').toString()}`,
  ]
  assert.deepEqual(read(true, [wire]), expected)
  assert.deepEqual(read(true, bytewise(wire)), expected)
  assert.deepEqual(
    read(true, [wire.subarray(0, 7), wire.subarray(7, 70_013), wire.subarray(70_013)]),
    expected,
  )
})

test('reads a server frame with a 64-bit length and no mask', () => {
  const big = Buffer.alloc(65_536, 2)
  assert.deepEqual(read(false, [frame(OPCODE.binary, big, { mask: false })]), [`2/fin/2:${big.toString()}`])
})

test('refuses what it cannot read one way only', () => {
  const refuse = (fromClient: boolean, bytes: Buffer, why: RegExp) =>
    assert.throws(() => read(fromClient, [bytes]), why)
  const rsv1 = frame(OPCODE.text, 'x')
  rsv1[0]! |= 0x40
  refuse(true, rsv1, /reserved bits/)
  refuse(true, frame(3, 'x'), /reserved opcode/)
  refuse(true, frame(11, 'x'), /reserved opcode/)
  refuse(true, frame(OPCODE.ping, 'x', { fin: false }), /control frame/)
  refuse(true, frame(OPCODE.ping, Buffer.alloc(126)), /control frame/)
  refuse(true, frame(OPCODE.continuation, 'x'), /continuation/)
  refuse(true, Buffer.concat([frame(OPCODE.text, 'a', { fin: false }), frame(OPCODE.text, 'b')]), /inside/)
  refuse(true, frame(OPCODE.text, 'x', { mask: false }), /not masked/)
  refuse(false, frame(OPCODE.text, 'x'), /is masked/)
  const huge = Buffer.from([0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 1])
  refuse(false, huge, /out of range/)
})

test('a close reason is cut to 123 bytes on a character boundary', () => {
  const payload = closePayload(1008, `taskgate: ${'é'.repeat(100)}`)
  assert.ok(payload.length <= 125)
  assert.equal(payload.readUInt16BE(0), 1008)
  assert.doesNotMatch(payload.subarray(2).toString('utf8'), /\uFFFD/)
})
