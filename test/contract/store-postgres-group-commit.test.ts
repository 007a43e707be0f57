// The PostgreSQL store's audit group commit (src/store/postgres/audit-writer.ts): entries queued while a
// transaction runs go together in the next one, across two store instances (two replicas) the chain
// stays one gapless, verifying chain, one bad write fails alone, a session ended twice is audited once, and
// a full queue refuses at once (TG_STORE_BUSY) instead of waiting on the pool.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditEventInput } from '../../src/core/audit/events.ts'
import { verifyChain } from '../../src/core/audit/verify-chain.ts'
import { TaskgateError } from '../../src/core/errors.ts'
import { AuditWriter } from '../../src/store/postgres/audit-writer.ts'
import { PgDatabase } from '../../src/store/postgres/database.ts'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../support/postgres.ts'
import { at, hashEntry, makeSession } from './store-contract/fixtures.ts'

const event = (n: number): AuditEventInput => ({
  type: 'grant.requested',
  actor: 'sa:agent',
  subject: `grant-${n}`,
  data: { n, nul: 'a\u0000b' },
})

const codeOf = (error: unknown) => (error instanceof TaskgateError ? error.code : String(error))

test('two replicas appending, starting and ending sessions at once write one verifying chain, in batches', async () => {
  await using db = await createThrowawayDatabase('tg_group_commit')
  const a = await openPostgresStore({ url: db.url })
  const b = await openPostgresStore({ url: db.url })
  try {
    const sessions = Array.from({ length: 100 }, (_, i) => makeSession({ startedAt: at(i) }))
    const started = { type: 'session.started', actor: 'sa:agent' } as const
    // Everything is queued before either store has a connection in hand: each writes it in few transactions.
    const appended = await Promise.all([
      ...Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).audit.append(event(i), at(i), hashEntry)),
      ...sessions.map((s, i) =>
        (i % 2 ? a : b).sessions.insert(s, { event: { ...started, subject: s.id }, hashEntry }),
      ),
    ])
    const ended = { type: 'session.ended', actor: 'sa:agent' } as const
    // Each session ended by both replicas (a disconnect racing a survivor's recovery): the first end wins.
    await Promise.all(
      sessions.flatMap((s, i) => [
        a.sessions.end(s.id, at(300 + i), 'client closed', { event: { ...ended, subject: s.id }, hashEntry }),
        b.sessions.end(s.id, at(300 + i), 'recovered', { event: { ...ended, subject: s.id }, hashEntry }),
      ]),
    )
    const entries = await a.audit.list({})
    assert.deepEqual(verifyChain(entries), { ok: true, entries: 400 })
    assert.deepEqual(
      entries.map((e) => e.seq),
      Array.from({ length: 400 }, (_, i) => i + 1),
    )
    for (const entry of appended.slice(0, 200)) assert.deepEqual(entry, entries[entry!.seq - 1])
    assert.equal(entries.filter((e) => e.type === 'session.ended').length, 100, 'each end audited once')
    assert.equal(entries[0]?.data?.nul, 'a\uFFFDb', 'NUL stored as U+FFFD, as a lone append does')
    const live = await db.query('SELECT count(*)::int AS n FROM taskgate.sessions WHERE ended_at IS NULL')
    assert.equal(live.rows[0].n, 0)
    // Rows written by one transaction share its xmin: far fewer transactions than entries.
    const tx = await db.query('SELECT count(DISTINCT xmin::text)::int AS n FROM taskgate.audit_events')
    assert.ok(tx.rows[0].n <= 20, `400 entries in ${tx.rows[0].n} transactions`)
  } finally {
    await a.close()
    await b.close()
  }
})

test('a bad write in a batch fails alone; its neighbours land', async () => {
  await using db = await createThrowawayDatabase('tg_group_commit')
  const store = await openPostgresStore({ url: db.url })
  try {
    const taken = makeSession()
    await store.sessions.insert(taken)
    const audit = (s: { id: string }) => ({
      event: { type: 'session.started' as const, actor: 'sa:agent', subject: s.id },
      hashEntry,
    })
    const fresh = [makeSession(), makeSession()]
    const results = await Promise.allSettled([
      store.sessions.insert(fresh[0]!, audit(fresh[0]!)),
      store.sessions.insert(taken, audit(taken)),
      store.audit.append(event(1), at(1), hashEntry),
      store.sessions.insert(fresh[1]!, audit(fresh[1]!)),
    ])
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : codeOf(r.reason))),
      ['ok', 'TG_ALREADY_EXISTS', 'ok', 'ok'],
    )
    for (const s of fresh) assert.equal((await store.sessions.get(s.id))?.id, s.id)
    const entries = await store.audit.list({})
    assert.deepEqual(verifyChain(entries), { ok: true, entries: 3 })
    assert.equal(entries.filter((e) => e.subject === taken.id).length, 0, 'no entry for the refused session')
  } finally {
    await store.close()
  }
})

test('past its queue bound the writer refuses at once with TG_STORE_BUSY', async () => {
  await using db = await createThrowawayDatabase('tg_group_commit')
  const store = await openPostgresStore({ url: db.url }) // migrates the schema
  await store.close()
  const pool = new PgDatabase(db.url, 2)
  const writer = new AuditWriter(pool, { maxQueued: 10, maxBatch: 4 })
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, (_, i) => writer.append(event(i), at(i), hashEntry)),
    )
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? 'ok' : codeOf(r.reason))),
      [...Array<string>(10).fill('ok'), ...Array<string>(5).fill('TG_STORE_BUSY')],
    )
    const { rows } = await db.query('SELECT count(*)::int AS n FROM taskgate.audit_events')
    assert.equal(rows[0].n, 10)
  } finally {
    await writer.drain()
    await pool.close()
  }
})
