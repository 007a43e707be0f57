import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SessionFilter } from '../../../src/store/store.ts'
import {
  assertDatesAreDates,
  at,
  hashEntry,
  id,
  makeAction,
  makeGrant,
  makeSession,
  rejectsWithCode,
  type StoreContractOptions,
} from './fixtures.ts'

export function sessionCases({ open }: StoreContractOptions): void {
  test('sessions: insert, get and end (the first end wins)', async () => {
    await using t = await open()
    const session = makeSession()
    const ended = makeSession({ endedAt: at(9), endReason: 'client closed' })
    await t.store.sessions.insert(session)
    await t.store.sessions.insert(ended)
    assert.deepEqual(await t.store.sessions.get(session.id), session)
    assert.deepEqual(await t.store.sessions.get(ended.id), ended)
    assert.equal(await t.store.sessions.get(id('session')), undefined)
    await rejectsWithCode(t.store.sessions.insert(session), 'TG_ALREADY_EXISTS')

    await t.store.sessions.end(session.id, at(30), 'grant revoked')
    await t.store.sessions.end(session.id, at(31), 'client closed')
    const got = await t.store.sessions.get(session.id)
    assert.deepEqual(got, { ...session, endedAt: at(30), endReason: 'grant revoked' })
    assertDatesAreDates(got!)
    await t.store.sessions.end(id('session'), at(30), 'unknown is a no-op')
  })

  test('sessions: a session and its audit entry are written together, or neither', async () => {
    await using t = await open()
    const session = makeSession()
    const started = { type: 'session.started' as const, actor: session.principalId, subject: session.id }
    await t.store.sessions.insert(session, { event: started, hashEntry })
    const entries = await t.store.audit.list({ subject: session.id })
    assert.deepEqual(
      entries.map((e) => [e.type, e.at.getTime()]),
      [['session.started', session.startedAt.getTime()]],
    )

    const failing = () => {
      throw new Error('the audit entry cannot be written')
    }
    const orphan = makeSession()
    await assert.rejects(
      t.store.sessions.insert(orphan, { event: { ...started, subject: orphan.id }, hashEntry: failing }),
    )
    assert.equal(await t.store.sessions.get(orphan.id), undefined, 'no session without its audit entry')

    await assert.rejects(
      t.store.sessions.end(session.id, at(40), 'client closed', {
        event: { type: 'session.ended', actor: session.principalId, subject: session.id },
        hashEntry: failing,
      }),
    )
    assert.equal((await t.store.sessions.get(session.id))?.endedAt, undefined, 'no end without its entry')
    await t.store.sessions.end(session.id, at(41), 'client closed', {
      event: { type: 'session.ended', actor: session.principalId, subject: session.id },
      hashEntry,
    })
    assert.deepEqual((await t.store.sessions.get(session.id))?.endedAt, at(41))
    await t.store.sessions.end(session.id, at(42), 'ended twice', {
      event: { type: 'session.ended', actor: 'system', subject: session.id },
      hashEntry,
    })
    assert.deepEqual(
      (await t.store.audit.list({ subject: session.id })).map((e) => e.type),
      ['session.started', 'session.ended'],
    )
  })

  test('sessions: the live sessions of one gateway process; the process registry', async () => {
    await using t = await open()
    const processId = id('p')
    const mine = makeSession({ processId })
    const ended = makeSession({ processId, endedAt: at(9), endReason: 'client closed' })
    await t.store.sessions.insert(mine)
    await t.store.sessions.insert(ended)
    await t.store.sessions.insert(makeSession({ processId: id('p') }))
    assert.deepEqual(
      (await t.store.sessions.list({ processId, live: true })).map((s) => [s.id, s.processId]),
      [[mine.id, processId]],
    )

    const peer = { id: processId, host: 'h/ns', pid: 4242, startedAt: at(1), heartbeatAt: at(1) }
    await t.store.processes.beat(peer)
    await t.store.processes.beat({ ...peer, host: 'ignored', heartbeatAt: at(5) })
    assert.deepEqual(
      (await t.store.processes.list()).filter((p) => p.id === processId),
      [{ ...peer, heartbeatAt: at(5) }],
    )
    await t.store.processes.remove(processId)
    assert.deepEqual(
      (await t.store.processes.list()).filter((p) => p.id === processId),
      [],
    )
  })

  test('sessions: list filters by principal, resource, grant, time window and denied actions', async () => {
    await using t = await open()
    const principalId = id('sa:p')
    const resourceId = id('db')
    const grantId = id('grant')
    const a = makeSession({ principalId, resourceId, grantId, startedAt: at(10) })
    const b = makeSession({ principalId, startedAt: at(20) })
    const c = makeSession({ resourceId, startedAt: at(30) })
    const d = makeSession({ grantId, startedAt: at(40) })
    for (const s of [a, b, c, d]) await t.store.sessions.insert(s)
    await t.store.sessions.appendActions([
      makeAction(a.id, 1),
      makeAction(a.id, 2, { outcome: 'deny', rule: 'scope', reason: 'missing select:x' }),
      makeAction(b.id, 1, { outcome: 'approve-first' }),
      makeAction(c.id, 1, { outcome: 'deny', rule: 'guardrail:no-drop' }),
      makeAction(c.id, 2, { outcome: 'deny', rule: 'guardrail:no-drop' }),
    ])
    const ids = async (filter: SessionFilter) => (await t.store.sessions.list(filter)).map((s) => s.id)
    assert.deepEqual(await ids({}), [d.id, c.id, b.id, a.id], 'newest first')
    assert.deepEqual(await ids({ principalId }), [b.id, a.id])
    assert.deepEqual(await ids({ resourceId }), [c.id, a.id])
    assert.deepEqual(await ids({ grantId }), [d.id, a.id])
    assert.deepEqual(await ids({ since: at(20) }), [d.id, c.id, b.id], 'since is inclusive')
    assert.deepEqual(await ids({ until: at(30) }), [b.id, a.id], 'until is exclusive')
    assert.deepEqual(await ids({ since: at(15), until: at(35) }), [c.id, b.id])
    assert.deepEqual(
      await ids({ deniedOnly: true }),
      [c.id, a.id],
      'sessions having an action with outcome deny',
    )
    assert.deepEqual(await ids({ deniedOnly: false }), [d.id, c.id, b.id, a.id])
    assert.deepEqual(await ids({ deniedOnly: true, principalId }), [a.id])
    assert.deepEqual(await ids({ limit: 2 }), [d.id, c.id])
    assert.deepEqual(await ids({ deniedOnly: true, limit: 1 }), [c.id])
    assert.deepEqual(await t.store.sessions.list({ grantId, since: at(40) }), [
      { ...d, task: '', actionCount: 0, deniedCount: 0 },
    ])
  })

  test('sessions: listed with their grant task and action counts; filtered by task text and live state', async () => {
    await using t = await open()
    const grant = makeGrant({ task: 'Fix 100% of the_invoices' })
    await t.store.grants.insert(grant)
    const live = makeSession({ grantId: grant.id, startedAt: at(10) })
    const ended = makeSession({ grantId: grant.id, startedAt: at(20), endedAt: at(30), endReason: 'closed' })
    const other = makeSession({ startedAt: at(5) })
    for (const s of [live, ended, other]) await t.store.sessions.insert(s)
    await t.store.sessions.appendActions([
      makeAction(live.id, 1),
      makeAction(live.id, 2, { outcome: 'deny', rule: 'scope' }),
      makeAction(live.id, 3, { outcome: 'deny', rule: 'scope' }),
      makeAction(ended.id, 1, { outcome: 'approve-first' }),
    ])
    const listed = await t.store.sessions.list({})
    assert.deepEqual(
      listed.map((s) => [s.id, s.task, s.actionCount, s.deniedCount]),
      [
        [ended.id, grant.task, 1, 0],
        [live.id, grant.task, 3, 2],
        [other.id, '', 0, 0],
      ],
    )
    const ids = async (filter: SessionFilter) => (await t.store.sessions.list(filter)).map((s) => s.id)
    assert.deepEqual(await ids({ task: 'INVOICES' }), [ended.id, live.id], 'ASCII case ignored')
    assert.deepEqual(await ids({ task: '100%' }), [ended.id, live.id])
    assert.deepEqual(await ids({ task: '100%%' }), [], '% matches itself only')
    assert.deepEqual(await ids({ task: 'the_inv' }), [ended.id, live.id])
    assert.deepEqual(await ids({ task: 'thexinv' }), [], '_ matches itself only')
    assert.deepEqual(await ids({ live: true }), [live.id, other.id])
    assert.deepEqual(await ids({ live: false }), [ended.id])
    assert.deepEqual(await ids({ live: true, task: 'invoices' }), [live.id])
  })

  test('sessions: actions round-trip every field and list in seq order whatever the insert order', async () => {
    await using t = await open()
    const session = makeSession()
    await t.store.sessions.insert(session)
    const full = makeAction(session.id, 2, {
      kind: 'SelectStmt',
      text: "SELECT card FROM billing.cards WHERE note = 'it''s ünïcödé ✓'",
      outcome: 'allow',
      rule: 'scope',
      reason: 'within grant',
      rowCount: 3,
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
      needs: [{ verb: 'select', object: 'billing.cards' }],
    })
    const denied = makeAction(session.id, 3, {
      kind: 'DropStmt',
      text: 'DROP TABLE x',
      outcome: 'deny',
      error: '42501',
    })
    const first = makeAction(session.id, 1)
    await t.store.sessions.appendActions([full, denied])
    await t.store.sessions.appendActions([first])
    const listed = await t.store.sessions.listActions(session.id)
    assert.deepEqual(listed, [first, full, denied])
    for (const a of listed) assertDatesAreDates(a)
    assert.deepEqual(await t.store.sessions.listActions(id('session')), [])
  })

  test('sessions: an outcome record without needs keeps the needs its start record stored', async () => {
    await using t = await open()
    const session = makeSession()
    await t.store.sessions.insert(session)
    const needs = [
      { verb: 'select', object: 'billing.invoices' },
      { verb: 'update', object: 'billing.invoices' },
    ]
    const started = makeAction(session.id, 1, { kind: 'UpdateStmt', text: 'UPDATE x', needs })
    await t.store.sessions.appendActions([started])
    const { needs: _, ...withoutNeeds } = started
    await t.store.sessions.appendActions([{ ...withoutNeeds, rowCount: 4, durationMs: 2 }])
    const [listed] = await t.store.sessions.listActions(session.id)
    assert.deepEqual(listed?.needs, needs)
    assert.equal(listed?.rowCount, 4)
  })

  test('sessions: listActions pages with afterSeq and limit and never mixes sessions', async () => {
    await using t = await open()
    const s1 = makeSession()
    const s2 = makeSession()
    await t.store.sessions.insert(s1)
    await t.store.sessions.insert(s2)
    await t.store.sessions.appendActions([
      ...Array.from({ length: 10 }, (_, i) => makeAction(s1.id, i + 1)),
      ...Array.from({ length: 3 }, (_, i) => makeAction(s2.id, i + 1)),
    ])
    const seqs = async (sessionId: string, options?: { afterSeq?: number; limit?: number }) =>
      (await t.store.sessions.listActions(sessionId, options)).map((a) => a.seq)
    assert.deepEqual(await seqs(s1.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert.deepEqual(await seqs(s2.id), [1, 2, 3])
    assert.deepEqual(await seqs(s1.id, { afterSeq: 7 }), [8, 9, 10])
    assert.deepEqual(await seqs(s1.id, { limit: 3 }), [1, 2, 3])
    assert.deepEqual(await seqs(s1.id, { afterSeq: 3, limit: 3 }), [4, 5, 6])
    assert.deepEqual(await seqs(s1.id, { afterSeq: 10 }), [])
  })

  test('sessions: a large batch lands whole; an empty batch and a retried batch are harmless', async () => {
    await using t = await open()
    const session = makeSession()
    await t.store.sessions.insert(session)
    const batch = Array.from({ length: 2500 }, (_, i) =>
      makeAction(session.id, i + 1, { text: `SELECT ${i} /* ${'x'.repeat(i % 50)} */`, rowCount: i }),
    )
    await t.store.sessions.appendActions(batch)
    await t.store.sessions.appendActions([])
    await t.store.sessions.appendActions(batch.slice(2000))
    const listed = await t.store.sessions.listActions(session.id)
    assert.equal(listed.length, 2500)
    assert.deepEqual(listed[1234], batch[1234])
  })

  test('sessions: a batch interleaving sessions lands whole per session and leaves the caller its array', async () => {
    await using t = await open()
    const sessions = [makeSession(), makeSession(), makeSession()]
    for (const s of sessions) await t.store.sessions.insert(s)
    // As the recorder writes: statements of live sessions interleaved, an outcome after its start.
    const batch = Array.from({ length: 300 }, (_, i) =>
      makeAction(sessions[i % 3]!.id, 100 - Math.floor(i / 3), { text: `SELECT ${i}`, rowCount: i }),
    )
    const asPassed = [...batch]
    await t.store.sessions.appendActions(batch)
    // The recorder matches a failed batch's records to their keys by position: the array is not reordered.
    assert.deepEqual(batch, asPassed)
    await t.store.sessions.appendActions([{ ...batch[4]!, outcome: 'deny', rule: 'scope' }])
    for (const [n, s] of sessions.entries()) {
      const listed = await t.store.sessions.listActions(s.id)
      assert.deepEqual(
        listed.map((a) => a.seq),
        Array.from({ length: 100 }, (_, i) => i + 1),
      )
      const mine = batch.filter((a) => a.sessionId === s.id).reverse()
      if (n === 1)
        mine[mine.findIndex((a) => a.seq === batch[4]!.seq)] = {
          ...batch[4]!,
          outcome: 'deny',
          rule: 'scope',
        }
      assert.deepEqual(listed, mine)
    }
  })

  test('sessions: action text with a NUL byte does not fail the batch', async () => {
    await using t = await open()
    const session = makeSession()
    await t.store.sessions.insert(session)
    await t.store.sessions.appendActions([
      makeAction(session.id, 1, {
        text: 'a\u0000b',
        result: { columns: ['c'], rows: [['x\u0000y']], truncated: false },
      }),
    ])
    const [action] = await t.store.sessions.listActions(session.id)
    // PostgreSQL text cannot hold NUL; that backend stores U+FFFD in its place.
    assert.ok(['a\u0000b', 'a\uFFFDb'].includes(action!.text))
  })
}
