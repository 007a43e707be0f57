import assert from 'node:assert/strict'
import { test } from 'node:test'
import { at, hashEntry, type StoreContractOptions } from './fixtures.ts'

const event = (n: number) => ({ type: 'grant.requested' as const, actor: 'sa:agent', subject: `grant-${n}` })

export function auditHeadCases({ open }: StoreContractOptions): void {
  test('audit head: none before the first append, then the newest entry after each append', async () => {
    await using t = await open()
    assert.equal(await t.store.audit.head(), undefined)
    const first = await t.store.audit.append(event(1), at(1), hashEntry)
    assert.deepEqual(await t.store.audit.head(), { seq: 1, hash: first.hash })
    const second = await t.store.audit.append(event(2), at(2), hashEntry)
    assert.deepEqual(await t.store.audit.head(), { seq: 2, hash: second.hash })
  })

  test('audit head: follows concurrent appends from two instances', async () => {
    await using t = await open()
    const other = await t.openAnother()
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? other : t.store).audit.append(event(i), at(i), hashEntry),
      ),
    )
    const newest = (await t.store.audit.list({ descending: true, limit: 1 }))[0]!
    assert.equal(newest.seq, 30)
    assert.deepEqual(await other.audit.head(), { seq: 30, hash: newest.hash })
  })

  test('audit head: a failed append leaves the head where it was', async () => {
    await using t = await open()
    const first = await t.store.audit.append(event(1), at(1), hashEntry)
    await assert.rejects(
      t.store.audit.append(event(2), at(2), () => {
        throw new Error('boom')
      }),
    )
    assert.deepEqual(await t.store.audit.head(), { seq: 1, hash: first.hash })
  })
}
