import assert from 'node:assert/strict'
import { test } from 'node:test'
import { at, hashEntry, type StoreContractOptions } from './fixtures.ts'

const event = (n: number) => ({ type: 'grant.requested' as const, actor: 'sa:agent', subject: `grant-${n}` })

export function auditPruneCases({ open }: StoreContractOptions): void {
  test('audit prune: removes up to the checkpoint and keeps it; the head and later appends carry on', async () => {
    await using t = await open()
    assert.equal(await t.store.audit.checkpoint(), undefined)
    const entries = []
    for (let i = 1; i <= 5; i++) entries.push(await t.store.audit.append(event(i), at(i), hashEntry))
    const checkpoint = { seq: 3, hash: entries[2]!.hash, at: at(10), mac: 'c'.repeat(64) }
    assert.equal(await t.store.audit.prune(checkpoint), 3)
    assert.deepEqual(await t.store.audit.checkpoint(), checkpoint)
    assert.deepEqual(
      (await t.store.audit.list({})).map((e) => e.seq),
      [4, 5],
    )
    const next = await t.store.audit.append(event(6), at(11), hashEntry)
    assert.equal(next.seq, 6)
    assert.equal(next.prevHash, entries[4]!.hash)
    const later = { seq: 5, hash: entries[4]!.hash, at: at(12), mac: 'd'.repeat(64) }
    assert.equal(await t.store.audit.prune(later), 2)
    assert.deepEqual(await t.store.audit.checkpoint(), later)
  })
}
