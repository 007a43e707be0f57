import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { parseParse, parseQuery, SYNC, serializeParse, serializeQuery } from './client-messages.ts'
import { DROP, FrameScanner, KEEP, PAUSE, type Verdict } from './frame-scanner.ts'
import { ProtocolViolation } from './protocol-violation.ts'

function dataRow(n: number): Buffer {
  const out = Buffer.alloc(5 + n, 0x61)
  out[0] = 0x44
  out.writeInt32BE(4 + n, 1)
  return out
}

/** Runs the scanner over the given chunks; returns the frames seen and the bytes passed on. */
function run(
  chunks: Buffer[],
  decide: (type: number, f: Buffer) => Verdict = () => KEEP,
  interesting = 'QPSZ',
) {
  const seen: string[] = []
  const out: Buffer[] = []
  const scanner = new FrameScanner(interesting, {
    frame: (type, f) => {
      seen.push(`${String.fromCharCode(type)}:${f.length}`)
      return decide(type, f)
    },
    pass: (b) => out.push(Buffer.from(b)),
  })
  for (const c of chunks) scanner.push(c)
  return { seen, out: Buffer.concat(out), scanner }
}

const stream = Buffer.concat([
  serializeQuery('select 1'),
  dataRow(300),
  serializeParse('select $1'),
  SYNC,
  dataRow(3),
])

test('several messages in one chunk: each interesting one is seen, every byte passes in order', () => {
  const { seen, out } = run([stream])
  assert.deepEqual(seen, ['Q:14', 'P:18', 'S:5'])
  assert.deepEqual(out, stream)
})

test('split at every byte: same frames, same bytes', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    const { seen, out } = run([stream.subarray(0, cut), stream.subarray(cut)])
    assert.deepEqual(seen, ['Q:14', 'P:18', 'S:5'], `cut ${cut}`)
    assert.deepEqual(out, stream, `cut ${cut}`)
  }
})

test('any chunking of any frame sequence passes the bytes unchanged (property)', () => {
  const frameArb = fc.oneof(
    fc.string({ maxLength: 40 }).map((s) => serializeQuery(s.replaceAll('\0', ''))),
    fc.integer({ min: 0, max: 200 }).map(dataRow),
    fc.constant(SYNC),
  )
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 50 })),
      (frames, cuts) => {
        const all = Buffer.concat(frames)
        const chunks: Buffer[] = []
        let pos = 0
        for (const c of cuts) {
          if (pos >= all.length) break
          chunks.push(all.subarray(pos, pos + c))
          pos += c
        }
        if (pos < all.length) chunks.push(all.subarray(pos))
        const { out, seen } = run(chunks)
        assert.deepEqual(out, all)
        assert.equal(seen.length, frames.filter((f) => f[0] !== 0x44).length)
      },
    ),
  )
})

test('DROP and a replacement buffer edit the stream in place', () => {
  const { out } = run([stream], (type) =>
    type === 0x51 ? serializeQuery('select 2') : type === 0x50 ? DROP : KEEP,
  )
  assert.deepEqual(out, Buffer.concat([serializeQuery('select 2'), dataRow(300), SYNC, dataRow(3)]))
})

test('PAUSE stops before the frame and offers it again on resume', () => {
  let allow = false
  const texts: string[] = []
  const { scanner, out } = run([stream], (type, f) => {
    if (type === 0x50 && !allow) return PAUSE
    if (type === 0x51) texts.push(parseQuery(f))
    if (type === 0x50) texts.push(parseParse(f).text)
    return KEEP
  })
  assert.equal(scanner.paused, true)
  assert.equal(out.length, 14 + 305)
  allow = true
  scanner.resume()
  assert.deepEqual(texts, ['select 1', 'select $1'])
})

test('lengths below 4 or above the maximum are protocol violations', () => {
  const bad = Buffer.from([0x51, 0, 0, 0, 3])
  assert.throws(() => run([bad]), ProtocolViolation)
  const big = Buffer.from([0x51, 0x7f, 0, 0, 0])
  assert.throws(() => run([big]), ProtocolViolation)
  const scanner = new FrameScanner('Q', { frame: () => KEEP, pass: () => {} }, 1024)
  assert.throws(() => scanner.push(Buffer.from([0x44, 0, 0, 8, 0])), ProtocolViolation)
})

test('a large uninteresting frame streams through without being buffered', () => {
  const big = dataRow(100_000)
  const passed: number[] = []
  const scanner = new FrameScanner('Z', { frame: () => KEEP, pass: (b) => passed.push(b.length) })
  for (let i = 0; i < big.length; i += 16_384) scanner.push(big.subarray(i, i + 16_384))
  assert.equal(
    passed.reduce((a, b) => a + b, 0),
    big.length,
  )
  assert.ok(passed.length >= 6)
})

test('stopAtBoundary passes the rest of a frame being streamed, then drops everything after it', () => {
  const passed: Buffer[] = []
  const scanner = new FrameScanner('Z', { frame: () => KEEP, pass: (b) => passed.push(Buffer.from(b)) })
  const row = frame('D', Buffer.alloc(100, 7))
  scanner.push(row.subarray(0, 40))
  assert.equal(scanner.atBoundary, false)
  let stopped = 0
  scanner.stopAtBoundary(() => stopped++)
  assert.equal(stopped, 0)
  scanner.push(Buffer.concat([row.subarray(40), frame('C', Buffer.from('SELECT 1\0'))]))
  assert.equal(stopped, 1)
  scanner.push(frame('Z', Buffer.from('I')))
  assert.equal(stopped, 1)
  assert.deepEqual(Buffer.concat(passed), row)
})

test('stopAtBoundary at a boundary calls back at once and drops a partial frame not yet passed', () => {
  const passed: Buffer[] = []
  const scanner = new FrameScanner('Z', { frame: () => KEEP, pass: (b) => passed.push(Buffer.from(b)) })
  const ready = frame('Z', Buffer.from('I'))
  scanner.push(ready.subarray(0, 3))
  let stopped = 0
  scanner.stopAtBoundary(() => stopped++)
  assert.equal(stopped, 1)
  scanner.push(ready.subarray(3))
  assert.equal(passed.length, 0)
})

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head[0] = type.charCodeAt(0)
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

test('whenAtBoundary runs between the end of a streamed frame and the next one, or at once', () => {
  const out: string[] = []
  const scanner = new FrameScanner('Z', { frame: () => KEEP, pass: (b) => out.push(b.toString('latin1')) })
  scanner.whenAtBoundary(() => out.push('<now>'))
  const row = frame('D', Buffer.alloc(20, 0x61))
  const done = frame('C', Buffer.from('SELECT 1\0'))
  scanner.push(row.subarray(0, 10))
  scanner.whenAtBoundary(() => out.push('<notice>'))
  scanner.push(Buffer.concat([row.subarray(10), done]))
  assert.deepEqual(out, [
    '<now>',
    row.subarray(0, 10).toString('latin1'),
    row.subarray(10).toString('latin1'),
    '<notice>',
    done.toString('latin1'),
  ])
})

test('a frame sent a byte a read is gathered in one buffer, not held as its pieces', () => {
  const query = serializeQuery(`select '${'a'.repeat(200_000)}'`)
  const seen: string[] = []
  const scanner = new FrameScanner('Q', {
    frame: (_type, f) => {
      seen.push(parseQuery(f))
      return KEEP
    },
    pass: () => {},
  })
  // A Buffer object per socket read held until the frame was whole: a 2 MiB Query paced a byte a read kept
  // 644 MB, and the default message limit is 64 MiB.
  let most = 0
  for (let i = 0; i < query.length; i++) {
    scanner.push(query.subarray(i, i + 1))
    most = Math.max(most, scanner.heldBuffers)
  }
  assert.equal(most, 2)
  assert.equal(scanner.heldBuffers, 0)
  assert.deepEqual(seen, [parseQuery(query)])
})
