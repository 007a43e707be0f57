import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import type { SessionHandle } from '../sessions/session-handle.ts'
import type { ActionRecord } from './events.ts'
import { SessionRecording } from './session-recording.ts'

const session = { id: 's-1', grant: { principalId: 'sa:agent' } } as unknown as SessionHandle

function recording(written: ActionRecord[][]): SessionRecording {
  return new SessionRecording({
    onFailure: 'block',
    writeActions: async (batch) => void written.push(batch.map((r) => ({ ...r }))),
    audit: async () => undefined,
    now: () => new Date(0),
    logger: pino({ level: 'silent' }),
    takeApproval: () => undefined,
  })
}

// A store may keep final records in a shape it cannot complete later (the embedded store packs them): only
// a record no later write of its seq can follow may say final.
test('a record is final when its outcome completed it before it was written, or when it has no start', async () => {
  const written: ActionRecord[][] = []
  const r = recording(written)
  const { seq } = r.start(session, { kind: 'Query', text: 'SELECT 1', outcome: 'allow' }, false)
  r.record(session, { kind: 'Query', text: 'SELECT 1', outcome: 'allow', rowCount: 1, durationMs: 1 }, seq)
  r.record(session, { kind: 'Query', text: 'DROP TABLE x', outcome: 'deny', rule: 'scope' })
  await r.flush()
  assert.deepEqual(
    written.flat().map((a) => [a.seq, a.rowCount, a.final]),
    [
      [1, 1, true],
      [2, undefined, true],
    ],
  )
})

test('a start written before its outcome is not final, nor is the outcome that completes it', async () => {
  const written: ActionRecord[][] = []
  const r = recording(written)
  const { seq } = r.start(session, { kind: 'Query', text: 'SELECT 1', outcome: 'allow' }, false)
  await r.flush()
  r.record(session, { kind: 'Query', text: 'SELECT 1', outcome: 'allow', rowCount: 1, durationMs: 1 }, seq)
  await r.flush()
  assert.deepEqual(
    written.map((batch) => batch.map((a) => [a.seq, a.rowCount, a.final])),
    [[[1, undefined, undefined]], [[1, 1, undefined]]],
  )
})

test('a start whose write is still in flight is completed by an upsert, not marked final', async () => {
  const written: ActionRecord[][] = []
  const writing = Promise.withResolvers<void>()
  const release = Promise.withResolvers<void>()
  const r = new SessionRecording({
    onFailure: 'block',
    writeActions: async (batch) => {
      written.push(batch.map((a) => ({ ...a })))
      writing.resolve()
      await release.promise
    },
    audit: async () => undefined,
    now: () => new Date(0),
    logger: pino({ level: 'silent' }),
    takeApproval: () => undefined,
  })
  const { seq } = r.start(session, { kind: 'Query', text: 'SELECT 1', outcome: 'allow' }, false)
  const flushing = r.flush()
  await writing.promise
  r.record(session, { kind: 'Query', text: 'SELECT 1', outcome: 'allow', rowCount: 1, durationMs: 1 }, seq)
  release.resolve()
  await flushing
  await r.flush()
  assert.deepEqual(
    written.flat().map((a) => [a.seq, a.rowCount, a.final]),
    [
      [1, undefined, undefined],
      [1, 1, undefined],
    ],
  )
})

test('a write denied because its start could not be stored is not final: the protocol records its denial too', async () => {
  const written: ActionRecord[][] = []
  let down = true
  const r = new SessionRecording({
    onFailure: 'block',
    writeActions: async (batch) => {
      if (down) throw new Error('disk full')
      written.push(batch.map((a) => ({ ...a })))
    },
    audit: async () => undefined,
    now: () => new Date(0),
    logger: pino({ level: 'silent' }),
    takeApproval: () => undefined,
  })
  const started = r.start(session, { kind: 'Query', text: 'UPDATE x SET a = 1', outcome: 'allow' }, true)
  const decision = await started.durable
  assert.equal(decision?.outcome, 'deny')
  down = false
  await r.flush()
  r.record(
    session,
    { kind: 'Query', text: 'UPDATE x SET a = 1', outcome: 'deny', rule: 'recording' },
    started.seq,
  )
  await r.flush()
  assert.deepEqual(
    written.flat().map((a) => [a.seq, a.outcome, a.final]),
    [
      [1, 'deny', undefined],
      [1, 'deny', undefined],
    ],
  )
})
