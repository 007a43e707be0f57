import assert from 'node:assert/strict'
import { test } from 'node:test'
import { serialize } from 'pg-protocol'
import { ResultTracker } from './result-tracker.ts'
import { parseBindResultFormats, type RowField } from './wire/row-messages.ts'

const fields: RowField[] = [
  { name: 'id', tableOid: 1, columnAttr: 1, typeOid: 23, format: 0 },
  { name: 'email', tableOid: 1, columnAttr: 2, typeOid: 25, format: 0 },
]
const feed = (tracker: ResultTracker, ...frames: Buffer[]) => {
  for (const frame of frames) tracker.client(frame[0]!, frame)
}

test('Bind result formats: one code for every column', () => {
  const bind = serialize.bind({ portal: 'p', statement: 's', values: ['1', null], binary: true })
  assert.deepEqual(parseBindResultFormats(bind), { portal: 'p', statement: 's', formats: [1] })
  assert.deepEqual(parseBindResultFormats(serialize.bind({})).formats, [0])
})

test('Bind result formats: a Bind cut anywhere before its last format code is refused, never read past its end', () => {
  const bind = serialize.bind({ portal: 'p', statement: 's', values: ['12345', null], binary: true })
  for (let cut = 5; cut < bind.length; cut++) {
    const frame = Buffer.from(bind.subarray(0, cut))
    frame.writeInt32BE(cut - 1, 1)
    assert.throws(() => parseBindResultFormats(frame), { name: 'ProtocolViolation' }, `cut at ${cut}`)
  }
})

test('a statement described once, then only bound and executed: its columns with the Bind formats', () => {
  const tracker = new ResultTracker()
  feed(
    tracker,
    serialize.parse({ name: 's1', text: 'select id, email from t' }),
    serialize.describe({ type: 'S', name: 's1' }),
    serialize.sync(),
  )
  assert.equal(tracker.rowDescription(fields), undefined, 'a Describe answer starts no result')
  tracker.ready()
  feed(tracker, serialize.bind({ statement: 's1', binary: true }), serialize.execute({}), serialize.sync())
  assert.equal(tracker.answering, 'bind')
  tracker.bindComplete()
  assert.equal(tracker.answering, 'execute')
  assert.deepEqual(
    tracker.executeColumns()?.map((f) => [f.name, f.format]),
    [
      ['id', 1],
      ['email', 1],
    ],
  )
  tracker.executeDone()
  tracker.ready()
  assert.equal(tracker.answering, undefined)
})

test('after an error the rest of the segment is skipped; a simple Query result is described inline', () => {
  const tracker = new ResultTracker()
  feed(
    tracker,
    serialize.bind({}),
    serialize.describe({ type: 'P', name: '' }),
    serialize.execute({}),
    serialize.sync(),
    serialize.query('select 1'),
  )
  tracker.error()
  assert.equal(tracker.answering, 'sync')
  tracker.ready()
  assert.equal(tracker.answering, 'query')
  assert.equal(tracker.rowDescription(fields), fields)
  tracker.ready()
  assert.equal(tracker.answering, undefined)
})

test('a Bind that fails binds nothing: the portal keeps what the server has, and a skipped Query is skipped', () => {
  const tracker = new ResultTracker()
  feed(
    tracker,
    serialize.parse({ name: 's1', text: 'select id, email from t' }),
    serialize.describe({ type: 'S', name: 's1' }),
    serialize.sync(),
  )
  tracker.rowDescription(fields)
  tracker.ready()
  feed(tracker, serialize.bind({ portal: 'p', statement: 's1' }), serialize.sync())
  tracker.bindComplete()
  tracker.ready()
  // A Bind of p to another statement fails (p exists): p still runs s1. The Query after it is skipped.
  feed(
    tracker,
    serialize.bind({ portal: 'p', statement: 's2' }),
    serialize.query('select 1'),
    serialize.execute({ portal: 'p' }),
  )
  tracker.error()
  assert.equal(tracker.answering, undefined)
  feed(
    tracker,
    serialize.execute({ portal: 'p' }),
    serialize.sync(),
    serialize.execute({ portal: 'p' }),
    serialize.sync(),
  )
  assert.equal(tracker.answering, 'sync')
  tracker.ready()
  assert.deepEqual(
    tracker.executeColumns()?.map((f) => f.name),
    ['id', 'email'],
  )
})
