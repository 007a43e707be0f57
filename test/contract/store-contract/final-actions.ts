import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ActionRecord } from '../../../src/core/index.ts'
import type { SessionFilter } from '../../../src/store/store.ts'
import { assertDatesAreDates, id, makeAction, makeSession, type StoreContractOptions } from './fixtures.ts'

// Records the recorder marks final (stored once, never completed later) may be kept in another shape than
// the rest (the embedded store packs one session's final records of a batch into one row): every reader
// sees them as it sees any record, mixed with records stored as rows and completed later.
export function finalActionCases({ open }: StoreContractOptions): void {
  const final = (a: ActionRecord): ActionRecord => ({ ...a, final: true })
  const read = ({ final: _, ...a }: ActionRecord): ActionRecord => a

  test('sessions: final records round-trip every field, without the mark, in seq order', async () => {
    await using t = await open()
    const session = makeSession()
    await t.store.sessions.insert(session)
    const full = makeAction(session.id, 2, {
      kind: 'SelectStmt',
      text: "SELECT card FROM billing.cards WHERE note = 'it''s ünïcödé ✓ \"q\" \\'",
      rule: 'scope',
      reason: 'within grant',
      rowCount: 0,
      durationMs: 1.25,
      result: {
        columns: ['card', 'n'],
        rows: [
          ['****1111', 1],
          [null, 2.5],
        ],
        truncated: true,
      },
      masked: { 'card/luhn': 2 },
      approvalId: 'a-1',
      approvedBy: 'oidc:dana',
      approvedByName: 'Dana',
      needs: Object.freeze([
        Object.freeze({ verb: 'select', object: 'billing.cards' }),
      ]) as ActionRecord['needs'],
      final: true,
    })
    const denied = final(
      makeAction(session.id, 3, { kind: 'DropStmt', text: '', outcome: 'deny', error: '42501' }),
    )
    const first = final(makeAction(session.id, 1))
    await t.store.sessions.appendActions([denied, full])
    await t.store.sessions.appendActions([first])
    const listed = await t.store.sessions.listActions(session.id)
    assert.deepEqual(listed, [first, full, denied].map(read))
    for (const a of listed) assertDatesAreDates(a)
    assert.deepEqual(await t.store.sessions.listActions(id('session')), [])
  })

  test('sessions: final records and completed rows read as one recording: paging, counts, denied filter', async () => {
    await using t = await open()
    const s1 = makeSession()
    const s2 = makeSession()
    await t.store.sessions.insert(s1)
    await t.store.sessions.insert(s2)
    // As the recorder writes under load: three batches; seq 5 starts in the first (a row) and is completed
    // in the second; seq 12 is a start that never finished; s2's only denial is a final record.
    const started5 = makeAction(s1.id, 5, { kind: 'UpdateStmt', needs: [{ verb: 'update', object: 'x' }] })
    await t.store.sessions.appendActions([
      ...[1, 2, 3, 4].map((seq) => final(makeAction(s1.id, seq))),
      final(makeAction(s2.id, 1)),
      started5,
      final(makeAction(s1.id, 6, { outcome: 'deny', rule: 'scope' })),
    ])
    const { needs: _, ...withoutNeeds } = started5
    await t.store.sessions.appendActions([
      final(makeAction(s2.id, 2, { outcome: 'deny', rule: 'guardrail:no-drop' })),
      ...[8, 7, 9].map((seq) => final(makeAction(s1.id, seq))),
      { ...withoutNeeds, rowCount: 4, durationMs: 2 },
    ])
    await t.store.sessions.appendActions([
      ...[10, 11].map((seq) => final(makeAction(s1.id, seq))),
      makeAction(s1.id, 12),
    ])
    const seqs = async (sessionId: string, options?: { afterSeq?: number; limit?: number }) =>
      (await t.store.sessions.listActions(sessionId, options)).map((a) => a.seq)
    assert.deepEqual(await seqs(s1.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    assert.deepEqual(await seqs(s2.id), [1, 2])
    assert.deepEqual(await seqs(s1.id, { limit: 3 }), [1, 2, 3])
    assert.deepEqual(await seqs(s1.id, { afterSeq: 3, limit: 3 }), [4, 5, 6])
    assert.deepEqual(await seqs(s1.id, { afterSeq: 5, limit: 2 }), [6, 7])
    assert.deepEqual(await seqs(s1.id, { afterSeq: 8, limit: 10 }), [9, 10, 11, 12])
    assert.deepEqual(await seqs(s1.id, { afterSeq: 12 }), [])
    const five = (await t.store.sessions.listActions(s1.id, { afterSeq: 4, limit: 1 }))[0]
    assert.deepEqual(
      five,
      { ...started5, rowCount: 4, durationMs: 2 },
      'a row completed later keeps its needs',
    )

    const counts = (await t.store.sessions.list({ principalId: s1.principalId })).map((s) => [
      s.actionCount,
      s.deniedCount,
    ])
    assert.deepEqual(counts, [[12, 1]])
    const ids = async (filter: SessionFilter) => (await t.store.sessions.list(filter)).map((s) => s.id)
    assert.deepEqual(await ids({ principalId: s2.principalId }), [s2.id])
    assert.deepEqual(await ids({ principalId: s2.principalId, deniedOnly: true }), [s2.id])
    assert.deepEqual(
      (await t.store.sessions.list({ principalId: s2.principalId })).map((s) => [
        s.actionCount,
        s.deniedCount,
      ]),
      [[2, 1]],
    )
  })

  test('sessions: a retried batch of final records that did land is not stored twice', async () => {
    await using t = await open()
    const session = makeSession()
    await t.store.sessions.insert(session)
    const batch = Array.from({ length: 300 }, (_, i) => final(makeAction(session.id, i + 1, { rowCount: i })))
    await t.store.sessions.appendActions(batch)
    await t.store.sessions.appendActions(batch)
    const listed = await t.store.sessions.listActions(session.id)
    assert.deepEqual(listed, batch.map(read))
    const [summary] = await t.store.sessions.list({ principalId: session.principalId })
    assert.equal(summary?.actionCount, 300)
  })
}
