import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditEntry, AuditEventInput } from '../../../src/core/audit/events.ts'
import { verifyChain } from '../../../src/core/audit/verify-chain.ts'
import type { AuditStore } from '../../../src/store/store.ts'
import { at, hashEntry, type StoreContractOptions } from './fixtures.ts'

const GENESIS = '0'.repeat(64)

function assertChain(entries: AuditEntry[]): void {
  entries.forEach((entry, i) => {
    assert.equal(entry.seq, i + 1, 'seq is gapless from 1')
    assert.equal(
      entry.prevHash,
      i === 0 ? GENESIS : entries[i - 1]!.hash,
      `entry ${entry.seq} links to its predecessor`,
    )
  })
  assert.deepEqual(verifyChain(entries), { ok: true, entries: entries.length })
}

const event = (n: number, overrides: Partial<AuditEventInput> = {}): AuditEventInput => ({
  type: 'grant.requested',
  actor: 'sa:agent',
  subject: `grant-${n}`,
  data: { n },
  ...overrides,
})

async function appendMany(audit: AuditStore, events: AuditEventInput[]): Promise<AuditEntry[]> {
  const out: AuditEntry[] = []
  for (const [i, e] of events.entries()) out.push(await audit.append(e, at(i), hashEntry))
  return out
}

export function auditCases({ open }: StoreContractOptions): void {
  test('audit: the first entry has seq 1 and the genesis prevHash; hashEntry sees the entry without its hash', async () => {
    await using t = await open()
    let seen: Omit<AuditEntry, 'hash'> | undefined
    const entry = await t.store.audit.append(event(1), at(1), (e) => {
      seen = structuredClone(e)
      return hashEntry(e)
    })
    assert.deepEqual(seen, {
      seq: 1,
      at: at(1),
      type: 'grant.requested',
      actor: 'sa:agent',
      subject: 'grant-1',
      data: { n: 1 },
      prevHash: GENESIS,
    })
    assert.equal(entry.hash, hashEntry(seen!))
    assert.deepEqual(await t.store.audit.list({}), [entry])
  })

  test('audit: entries chain by prevHash with increasing seq and round-trip exactly', async () => {
    await using t = await open()
    const appended = await appendMany(t.store.audit, [
      event(1),
      { type: 'gateway.started', actor: 'gateway' },
      event(3, {
        data: { nested: { list: [1, 'two', null, true], when: '2026-01-01T00:00:00.000Z' }, empty: {} },
      }),
      event(4, { subject: undefined }),
    ])
    const listed = await t.store.audit.list({})
    assert.deepEqual(listed, appended)
    assertChain(listed)
    assert.ok(listed.every((e) => e.at instanceof Date))
    assert.equal('subject' in listed[1]!, false, 'an absent subject stays absent')
    assert.equal('data' in listed[1]!, false, 'absent data stays absent')
  })

  test('audit: data is stored as JSON: what is hashed is what is read back', async () => {
    await using t = await open()
    const entry = await t.store.audit.append(
      event(1, { data: { when: new Date('2026-02-02T00:00:00.000Z'), gone: undefined, keep: 'x' } }),
      at(1),
      hashEntry,
    )
    assert.deepEqual(entry.data, { when: '2026-02-02T00:00:00.000Z', keep: 'x' })
    assertChain(await t.store.audit.list({}))
  })

  test('audit: 50 concurrent appends keep a gapless chain', async () => {
    await using t = await open()
    const entries = await Promise.all(
      Array.from({ length: 50 }, (_, i) => t.store.audit.append(event(i), at(i), hashEntry)),
    )
    assert.deepEqual(
      entries.map((e) => e.seq).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    )
    const listed = await t.store.audit.list({})
    assert.equal(listed.length, 50)
    assertChain(listed)
  })

  test('audit: two store instances appending at once keep one gapless chain', async () => {
    await using t = await open()
    const other = await t.openAnother()
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? other : t.store).audit.append(event(i), at(i), hashEntry),
      ),
    )
    const listed = await t.store.audit.list({})
    assert.equal(listed.length, 40)
    assertChain(listed)
    assert.deepEqual(await other.audit.list({}), listed)
  })

  test('audit: a hashEntry that throws writes nothing and leaves no gap', async () => {
    await using t = await open()
    await t.store.audit.append(event(1), at(1), hashEntry)
    await assert.rejects(
      t.store.audit.append(event(2), at(2), () => {
        throw new Error('boom')
      }),
    )
    await t.store.audit.append(event(3), at(3), hashEntry)
    const listed = await t.store.audit.list({})
    assert.deepEqual(
      listed.map((e) => e.subject),
      ['grant-1', 'grant-3'],
    )
    assertChain(listed)
  })

  test('audit: list filters by afterSeq, beforeSeq, type, actor, subject; descending; limit', async () => {
    await using t = await open()
    await appendMany(t.store.audit, [
      event(1),
      event(2, { type: 'grant.issued', actor: 'policy' }),
      event(3),
      event(4, { type: 'grant.issued', actor: 'policy', subject: 'grant-x' }),
      event(5, { type: 'action.denied', subject: 'grant-x' }),
      event(6),
    ])
    const seqs = async (filter: Parameters<AuditStore['list']>[0]) =>
      (await t.store.audit.list(filter)).map((e) => e.seq)
    assert.deepEqual(await seqs({}), [1, 2, 3, 4, 5, 6])
    assert.deepEqual(await seqs({ afterSeq: 3 }), [4, 5, 6])
    assert.deepEqual(await seqs({ afterSeq: 6 }), [])
    assert.deepEqual(await seqs({ type: 'grant.issued' }), [2, 4])
    assert.deepEqual(await seqs({ actor: 'policy' }), [2, 4])
    assert.deepEqual(await seqs({ subject: 'grant-x' }), [4, 5])
    assert.deepEqual(await seqs({ type: 'grant.requested', afterSeq: 1 }), [3, 6])
    assert.deepEqual(await seqs({ descending: true }), [6, 5, 4, 3, 2, 1])
    assert.deepEqual(await seqs({ descending: true, limit: 2 }), [6, 5])
    assert.deepEqual(await seqs({ descending: true, beforeSeq: 5, limit: 2 }), [4, 3])
    assert.deepEqual(await seqs({ afterSeq: 1, beforeSeq: 4 }), [2, 3])
    assert.deepEqual(await seqs({ limit: 2 }), [1, 2])
    assert.deepEqual(await seqs({ afterSeq: 2, limit: 2 }), [3, 4])
    assert.deepEqual(await seqs({ type: 'grant.requested', descending: true, limit: 1 }), [6])
    assert.deepEqual(await seqs({ type: 'login.failed' }), [])
    // Entry n was written at at(n - 1).
    assert.deepEqual(await seqs({ since: at(2) }), [3, 4, 5, 6], 'since is inclusive')
    assert.deepEqual(await seqs({ until: at(2) }), [1, 2], 'until is exclusive')
    assert.deepEqual(await seqs({ since: at(1), until: at(4), type: 'grant.issued' }), [2, 4])
  })

  test('audit: list filters by contained text across type, actor, subject and data; % and _ are literal', async () => {
    await using t = await open()
    await appendMany(t.store.audit, [
      event(1, { data: { text: 'DELETE FROM orders WHERE id = 7' } }),
      event(2, { type: 'action.held', actor: 'sa:Deploy-Bot' }),
      event(3, { subject: 'sess-42' }),
      event(4, { data: { text: 'select 100% of rows' } }),
      event(5, { data: { text: 'select 100 of rows' } }),
      event(6, { data: { note: 'a_b' } }),
      event(7, { data: { note: 'axb' } }),
    ])
    const seqs = async (filter: Parameters<AuditStore['list']>[0]) =>
      (await t.store.audit.list(filter)).map((e) => e.seq)
    assert.deepEqual(await seqs({ text: 'delete from orders' }), [1], 'data, ignoring case')
    assert.deepEqual(await seqs({ text: 'HELD' }), [2], 'type')
    assert.deepEqual(await seqs({ text: 'deploy-bot' }), [2], 'actor')
    assert.deepEqual(await seqs({ text: 'sess-4' }), [3], 'subject')
    assert.deepEqual(await seqs({ text: '100%' }), [4])
    assert.deepEqual(await seqs({ text: 'a_b' }), [6])
    assert.deepEqual(await seqs({ text: 'nowhere' }), [])
    assert.deepEqual(await seqs({ text: 'grant-', descending: true, limit: 2 }), [7, 6])
    assert.deepEqual(await seqs({ text: 'select', type: 'grant.requested' }), [4, 5])
  })
}
