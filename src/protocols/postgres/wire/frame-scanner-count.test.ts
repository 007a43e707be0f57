import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FrameScanner, KEEP, PROTOCOL_MAX_FRAME_BYTES } from './frame-scanner.ts'

const frame = (type: string, body: string) => {
  const out = Buffer.alloc(5 + body.length)
  out.write(type, 0, 'latin1')
  out.writeUInt32BE(4 + body.length, 1)
  out.write(body, 5, 'latin1')
  return out
}

test('frames of the counted type are counted as their headers are read, whatever the chunking', () => {
  const stream = Buffer.concat([
    frame('T', 'desc'),
    ...Array.from({ length: 7 }, (_, i) => frame('D', `row ${i} ${'x'.repeat(i * 10)}`)),
    frame('C', 'SELECT 7'),
    frame('Z', 'I'),
  ])
  for (const size of [1, 3, 7, 64, stream.length]) {
    const passed: Buffer[] = []
    const scanner = new FrameScanner(
      'CZ',
      { frame: () => KEEP, pass: (b) => passed.push(b) },
      PROTOCOL_MAX_FRAME_BYTES,
      0x44,
    )
    for (let at = 0; at < stream.length; at += size) scanner.push(stream.subarray(at, at + size))
    assert.equal(scanner.counted, 7, `chunks of ${size}`)
    assert.deepEqual(Buffer.concat(passed), stream, 'counting changes nothing that passes')
  }
})
