import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  assertDatesAreDates,
  at,
  id,
  makeApproval,
  rejectsWithCode,
  type StoreContractOptions,
} from './fixtures.ts'

export function approvalCases({ open }: StoreContractOptions): void {
  test('approvals: insert and get round-trip every field', async () => {
    await using t = await open()
    const minimal = makeApproval()
    const full = makeApproval({
      subject: 'action',
      digest: 'a'.repeat(64),
      status: 'approved',
      decidedAt: at(5),
      decidedBy: 'oidc:approver',
      decidedByName: 'Ana Approver',
      decisionReason: 'fine for this ticket',
      consumedAt: at(6),
      estimatedRows: 12_400,
    })
    await t.store.approvals.insert(minimal)
    await t.store.approvals.insert(full)
    assert.deepEqual(await t.store.approvals.get(minimal.id), minimal)
    const got = await t.store.approvals.get(full.id)
    assert.deepEqual(got, full)
    assertDatesAreDates(got!)
    assert.equal(await t.store.approvals.get(id('approval')), undefined)
    await rejectsWithCode(t.store.approvals.insert(minimal), 'TG_ALREADY_EXISTS')
  })

  test('approvals: list filters by status and grant, newest first, with a limit', async () => {
    await using t = await open()
    const grantId = id('grant')
    const a = makeApproval({ grantId, createdAt: at(1) })
    const b = makeApproval({ grantId, status: 'approved', createdAt: at(2) })
    const c = makeApproval({ status: 'denied', createdAt: at(3) })
    const d = makeApproval({ createdAt: at(4) })
    for (const x of [a, b, c, d]) await t.store.approvals.insert(x)
    const ids = async (filter: Parameters<typeof t.store.approvals.list>[0]) =>
      (await t.store.approvals.list(filter)).map((x) => x.id)
    assert.deepEqual(await ids({}), [d.id, c.id, b.id, a.id])
    assert.deepEqual(await ids({ status: ['pending'] }), [d.id, a.id])
    assert.deepEqual(await ids({ status: ['approved', 'denied'] }), [c.id, b.id])
    assert.deepEqual(await ids({ grantId }), [b.id, a.id])
    assert.deepEqual(await ids({ grantId, status: ['pending'] }), [a.id])
    assert.deepEqual(await ids({ limit: 3 }), [d.id, c.id, b.id])
    assert.deepEqual(await ids({ status: [] }), [d.id, c.id, b.id, a.id])
    assert.deepEqual(await t.store.approvals.list({ status: ['denied'] }), [c])
  })

  test('approvals: decide only a pending approval; the first decision wins', async () => {
    await using t = await open()
    const approval = makeApproval()
    await t.store.approvals.insert(approval)
    const by = { id: 'oidc:ana', name: 'Ana', reason: 'ok for the ticket' }
    assert.equal(await t.store.approvals.decide(approval.id, 'approved', at(7), by), true)
    assert.equal(
      await t.store.approvals.decide(approval.id, 'denied', at(8), {
        id: 'oidc:bo',
        name: 'Bo',
        reason: 'no',
      }),
      false,
    )
    assert.equal(await t.store.approvals.decide(approval.id, 'expired', at(9)), false)
    assert.deepEqual(await t.store.approvals.get(approval.id), {
      ...approval,
      status: 'approved',
      decidedAt: at(7),
      decidedBy: 'oidc:ana',
      decidedByName: 'Ana',
      decisionReason: 'ok for the ticket',
    })
    assert.equal(await t.store.approvals.decide(id('approval'), 'approved', at(7), by), false)
  })

  test('approvals: expire without an approver; decide without a reason', async () => {
    await using t = await open()
    const expiring = makeApproval()
    const denied = makeApproval()
    await t.store.approvals.insert(expiring)
    await t.store.approvals.insert(denied)
    assert.equal(await t.store.approvals.decide(expiring.id, 'expired', at(600)), true)
    assert.deepEqual(await t.store.approvals.get(expiring.id), {
      ...expiring,
      status: 'expired',
      decidedAt: at(600),
    })
    assert.equal(
      await t.store.approvals.decide(denied.id, 'denied', at(3), { id: 'oidc:bo', name: 'Bo' }),
      true,
    )
    assert.deepEqual(await t.store.approvals.get(denied.id), {
      ...denied,
      status: 'denied',
      decidedAt: at(3),
      decidedBy: 'oidc:bo',
      decidedByName: 'Bo',
    })
  })

  test('approvals: racing decisions: exactly one wins and the stored status is the winner', async () => {
    await using t = await open()
    const approval = makeApproval()
    await t.store.approvals.insert(approval)
    const statuses = ['approved', 'denied', 'approved', 'denied', 'expired'] as const
    const results = await Promise.all(
      statuses.map((status, i) =>
        t.store.approvals.decide(approval.id, status, at(i), { id: `oidc:${i}`, name: `${i}` }),
      ),
    )
    assert.equal(results.filter(Boolean).length, 1)
    const winner = results.indexOf(true)
    const stored = await t.store.approvals.get(approval.id)
    assert.equal(stored!.status, statuses[winner])
    assert.equal(stored!.decidedBy, `oidc:${winner}`)
  })

  test('approvals: consume an approved approval once; pending, denied and unknown cannot be consumed', async () => {
    await using t = await open()
    const digest = 'b'.repeat(64)
    const approved = makeApproval({ subject: 'action', digest })
    const pending = makeApproval({ subject: 'action', digest })
    const denied = makeApproval({ subject: 'action', digest })
    for (const x of [approved, pending, denied]) await t.store.approvals.insert(x)
    await t.store.approvals.decide(approved.id, 'approved', at(1), { id: 'oidc:ana', name: 'Ana' })
    await t.store.approvals.decide(denied.id, 'denied', at(1), { id: 'oidc:ana', name: 'Ana' })
    assert.equal(await t.store.approvals.consume(approved.id, digest, at(2)), true)
    assert.equal(await t.store.approvals.consume(approved.id, digest, at(3)), false)
    assert.deepEqual((await t.store.approvals.get(approved.id))!.consumedAt, at(2))
    assert.equal(await t.store.approvals.consume(pending.id, digest, at(2)), false)
    assert.equal(await t.store.approvals.consume(denied.id, digest, at(2)), false)
    assert.equal(await t.store.approvals.consume(id('approval'), digest, at(2)), false)
    assert.equal((await t.store.approvals.get(pending.id))!.consumedAt, undefined)
  })

  test('approvals: only an execution with the digest the approval was granted for consumes it', async () => {
    await using t = await open()
    const approval = makeApproval({ subject: 'action', digest: 'c'.repeat(64) })
    const grantApproval = makeApproval({ subject: 'grant' })
    for (const x of [approval, grantApproval]) await t.store.approvals.insert(x)
    for (const x of [approval, grantApproval])
      await t.store.approvals.decide(x.id, 'approved', at(1), { id: 'oidc:ana', name: 'Ana', reason: 'ok' })
    assert.equal(await t.store.approvals.consume(approval.id, 'd'.repeat(64), at(2)), false)
    assert.equal(await t.store.approvals.consume(approval.id, '', at(2)), false)
    assert.equal((await t.store.approvals.get(approval.id))!.consumedAt, undefined, 'still unused')
    assert.equal(await t.store.approvals.consume(approval.id, 'c'.repeat(64), at(3)), true)
    // A grant approval has no digest: no execution can consume it.
    assert.equal(await t.store.approvals.consume(grantApproval.id, '', at(2)), false)
  })

  test('approvals: racing consumers: exactly one uses the approval', async () => {
    await using t = await open()
    const approval = makeApproval({
      subject: 'action',
      digest: 'e'.repeat(64),
      status: 'approved',
      decidedAt: at(1),
      decidedBy: 'oidc:ana',
    })
    await t.store.approvals.insert(approval)
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.store.approvals.consume(approval.id, 'e'.repeat(64), at(i))),
    )
    assert.equal(results.filter(Boolean).length, 1)
  })
}
