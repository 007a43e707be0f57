import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ActionRecord } from './events.ts'
import { Recorder } from './recorder.ts'

const record = (seq: number): ActionRecord => ({
  sessionId: 's',
  seq,
  at: new Date(0),
  kind: 'SelectStmt',
  text: 'select 1',
  outcome: 'allow',
})

test('records are written in batches, in order', async () => {
  const written: number[][] = []
  const recorder = new Recorder({
    write: async (b) => void written.push(b.map((r) => r.seq)),
    onError: () => {},
    maxBatch: 3,
  })
  for (let i = 1; i <= 4; i++) recorder.push(record(i))
  await recorder.flush()
  assert.deepEqual(written, [[1, 2, 3], [4]])
})

test('past the queue limit records are shed and reported, never silently', async () => {
  const lost: number[] = []
  const written: ActionRecord[] = []
  const recorder = new Recorder({
    write: async (b) => void written.push(...b),
    onError: (_error, n) => lost.push(n),
    maxQueued: 2,
    maxBatch: 100,
  })
  for (let i = 1; i <= 5; i++) recorder.push(record(i))
  await recorder.flush()
  assert.equal(written.length, 2)
  assert.deepEqual(lost, [3])
})

test('a failing write keeps its records queued and reports the failure until a retry lands', async () => {
  const failures: unknown[] = []
  let down = true
  const written: number[] = []
  const recorder = new Recorder({
    write: async (b) => {
      if (down) throw new Error('store down')
      written.push(...b.map((r) => r.seq))
    },
    onError: () => {},
    onHealthChange: (failure) => failures.push(failure),
    retryIntervalMs: 10,
  })
  recorder.push(record(1))
  recorder.push(record(2))
  await recorder.flush()
  assert.equal(recorder.queued, 2)
  assert.match(String(recorder.failure), /store down/)
  down = false
  await recorder.flush()
  assert.deepEqual(written, [1, 2])
  assert.equal(recorder.failure, undefined)
  assert.equal(failures.length, 2)
  assert.equal(failures[1], undefined)
})

test('pushDurable resolves once the record is written and rejects when it could not be', async () => {
  let down = true
  const recorder = new Recorder({
    write: async () => {
      if (down) throw new Error('disk full')
    },
    onError: () => {},
    retryIntervalMs: 60_000,
  })
  await assert.rejects(recorder.pushDurable(record(1)), /disk full/)
  down = false
  await recorder.pushDurable(record(2))
  assert.equal(recorder.queued, 0)
})

test('an outcome pushed before its start was written replaces it: one row per statement', async () => {
  const written: ActionRecord[] = []
  const recorder = new Recorder({ write: async (b) => void written.push(...b), onError: () => {} })
  recorder.push(record(1))
  recorder.push({ ...record(1), rowCount: 3, durationMs: 1 })
  await recorder.flush()
  assert.equal(written.length, 1)
  assert.equal(written[0]?.rowCount, 3)
})

test('complete() fills a queued record in place, keeping its time; a record being written is not touched', async () => {
  const written: ActionRecord[] = []
  let release!: () => void
  const recorder = new Recorder({
    write: async (b) => {
      written.push(...b.map((r) => ({ ...r })))
      await new Promise<void>((resolve) => {
        release = resolve
      })
    },
    onError: () => {},
  })
  recorder.push(record(1))
  assert.equal(recorder.complete('s', 1, { rowCount: 2, at: new Date(5) }), true)
  const flushing = recorder.flush()
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(recorder.complete('s', 1, { rowCount: 3 }), false, 'in flight: push the whole record instead')
  release()
  await flushing
  assert.equal(written[0]?.rowCount, 2)
  assert.deepEqual(written[0]?.at, new Date(0))
})

test('a failed batch goes back whole in front of what was pushed meanwhile, even past the queue limit', async () => {
  let down = true
  const written: string[] = []
  let pushDuringWrite = () => {}
  const recorder = new Recorder({
    write: async (b) => {
      pushDuringWrite()
      if (down) throw new Error('store down')
      written.push(...b.map((r) => `${r.sessionId}:${r.seq}:${r.rowCount ?? '-'}`))
    },
    onError: () => {},
    maxQueued: 3,
    retryIntervalMs: 60_000,
  })
  recorder.push(record(1))
  recorder.push({ ...record(1), sessionId: 't' })
  recorder.push(record(2))
  pushDuringWrite = () => {
    pushDuringWrite = () => {}
    recorder.push({ ...record(2), rowCount: 7 })
    recorder.push(record(3))
  }
  await recorder.flush()
  assert.equal(recorder.queued, 4, 'the failed three and the one new record')
  down = false
  await recorder.flush()
  assert.deepEqual(written.sort(), ['s:1:-', 's:2:7', 's:3:-', 't:1:-'])
})
