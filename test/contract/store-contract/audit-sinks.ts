import assert from 'node:assert/strict'
import { test } from 'node:test'
import { at, id, type StoreContractOptions } from './fixtures.ts'

export function auditSinkCases({ open }: StoreContractOptions): void {
  test('audit sinks: a cursor starts at 0 and only moves forward', async () => {
    await using t = await open()
    const sink = id('sink')
    assert.equal(await t.store.auditSinks.cursor(sink), 0)
    await t.store.auditSinks.advance(sink, 7, at(1))
    assert.equal(await t.store.auditSinks.cursor(sink), 7)
    // A slower exporter sharing the store must not move it back (it would resend, never skip).
    await t.store.auditSinks.advance(sink, 3, at(2))
    assert.equal(await t.store.auditSinks.cursor(sink), 7)
    await t.store.auditSinks.advance(sink, 12, at(3))
    const listed = (await t.store.auditSinks.list()).find((c) => c.sinkId === sink)
    assert.deepEqual(listed, { sinkId: sink, seq: 12, updatedAt: at(3), deadLettered: 0 })
  })

  test('audit sinks: a dead letter is kept, counted, and moves the cursor past it', async () => {
    await using t = await open()
    const sink = id('sink')
    await t.store.auditSinks.advance(sink, 10, at(1))
    const letter = { sinkId: sink, fromSeq: 11, toSeq: 15, attempts: 4, reason: 'HTTP 400', at: at(2) }
    await t.store.auditSinks.deadLetter(letter)
    await t.store.auditSinks.deadLetter({ ...letter, fromSeq: 16, toSeq: 16, at: at(3) })
    assert.equal(await t.store.auditSinks.cursor(sink), 16)
    const letters = await t.store.auditSinks.listDeadLetters(sink, 10)
    assert.deepEqual(
      letters.map((l) => [l.fromSeq, l.toSeq]),
      [
        [16, 16],
        [11, 15],
      ],
    )
    assert.deepEqual(letters[1], letter)
    const listed = (await t.store.auditSinks.list()).find((c) => c.sinkId === sink)
    assert.equal(listed?.deadLettered, 6)
  })
}
