import assert from 'node:assert/strict'
import { test } from 'node:test'
import { control, dataFrame, goAway, ping, rstStream, SpdyWriter } from '../../../test/support/spdy-writer.ts'
import { type SpdyFrame, SpdyFrameError, SpdyFrameReader, SYN_STREAM } from './spdy-frames.ts'

/** What a reader reports for `bytes` pushed in pieces of `step` bytes: control frames, then all data joined. */
function read(bytes: Buffer, step: number): string[] {
  const seen: string[] = []
  let data = ''
  const reader = new SpdyFrameReader((f: SpdyFrame) => {
    if (f.type === 'data') data += f.data.toString()
    else
      seen.push(
        `control ${f.control} stream ${f.streamId} flags ${f.flags} ${f.headers ? JSON.stringify([...f.headers]) : ''}`,
      )
  })
  for (let at = 0; at < bytes.length; at += step) reader.push(bytes.subarray(at, at + step))
  return [...seen, `data ${data}`]
}

function conversation(): Buffer {
  const w = new SpdyWriter()
  return Buffer.concat([
    w.synStream(1, { streamtype: 'error' }),
    w.synStream(3, { streamtype: 'stdout' }),
    control(4, 0, Buffer.from([0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 1, 0])),
    dataFrame(3, 'hello '),
    ping(1),
    dataFrame(3, ''),
    dataFrame(3, 'world', true),
    w.synStream(5, { streamtype: 'stdin', 'x-several': 'a\0b' }, true),
    rstStream(5),
    goAway(),
  ])
}

test('SPDY frames read the same whatever the pieces the bytes arrive in', () => {
  const bytes = conversation()
  const whole = read(bytes, bytes.length)
  assert.deepEqual(whole, [
    'control 1 stream 1 flags 0 [["streamtype",["error"]]]',
    'control 1 stream 3 flags 0 [["streamtype",["stdout"]]]',
    'control 4 stream 0 flags 0 ',
    'control 6 stream 0 flags 0 ',
    'control 1 stream 5 flags 1 [["streamtype",["stdin"]],["x-several",["a","b"]]]',
    'control 3 stream 5 flags 0 ',
    'control 7 stream 0 flags 0 ',
    'data hello world',
  ])
  for (const step of [1, 2, 3, 7, 13]) assert.deepEqual(read(bytes, step), whole, `pieces of ${step}`)
})

test('a data frame is passed on as it arrives, FIN on its last piece, never held whole', () => {
  const pieces: Array<{ length: number; fin: boolean }> = []
  const reader = new SpdyFrameReader((f) => {
    if (f.type === 'data') pieces.push({ length: f.data.length, fin: f.fin })
  })
  const frame = dataFrame(7, Buffer.alloc(1_000_000), true)
  reader.push(frame.subarray(0, 100_008))
  assert.deepEqual(pieces, [{ length: 100_000, fin: false }])
  reader.push(frame.subarray(100_008))
  assert.deepEqual(pieces.at(-1), { length: 900_000, fin: true })
})

test('what Go would not read either is an error, and the reader stays failed', () => {
  const w = new SpdyWriter()
  const header = w.synStream(1, { streamtype: 'error' })
  const cases: Array<[string, Buffer, RegExp]> = [
    ['version 2', control(SYN_STREAM, 0, header.subarray(8), 2), /version 2/],
    ['unknown type', control(5, 0, Buffer.alloc(4)), /unknown SPDY control frame type 5/],
    ['bad length', control(6, 0, Buffer.alloc(5)), /of 5 bytes, not 4/],
    ['oversized', control(SYN_STREAM, 0, Buffer.alloc(70_000)), /at most 65536/],
    [
      'not zlib',
      control(
        SYN_STREAM,
        0,
        Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.alloc(6), Buffer.from('nope')]),
      ),
      /header block/,
    ],
    ['stream 0', new SpdyWriter().synStream(0, { a: 'b' }), /stream 0/],
    ['upper case', new SpdyWriter().synStream(1, { StreamType: 'x' }), /upper case/],
    ['settings count', control(4, 0, Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1])), /SETTINGS/],
  ]
  for (const [name, bytes, why] of cases) {
    const reader = new SpdyFrameReader(() => {})
    assert.throws(
      () => reader.push(bytes),
      (e: Error) => e instanceof SpdyFrameError && why.test(e.message),
      name,
    )
    assert.throws(() => reader.push(dataFrame(1, 'more')), SpdyFrameError, `${name}: stays failed`)
  }
})

test('an inflated header block is bounded', () => {
  const w = new SpdyWriter()
  const reader = new SpdyFrameReader(() => {})
  assert.throws(() => reader.push(w.synStream(1, { big: 'x'.repeat(100_000) })), /larger than 65536 bytes/)
})
