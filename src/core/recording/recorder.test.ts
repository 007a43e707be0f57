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

test('a failing write is reported with the number of records lost', async () => {
  const lost: number[] = []
  const recorder = new Recorder({
    write: async () => Promise.reject(new Error('store down')),
    onError: (_e, n) => lost.push(n),
  })
  recorder.push(record(1))
  recorder.push(record(2))
  await recorder.flush()
  assert.deepEqual(lost, [2])
})
