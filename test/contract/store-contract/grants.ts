import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  assertDatesAreDates,
  at,
  id,
  makeCredential,
  makeGrant,
  makeServiceAccount,
  rejectsWithCode,
  type StoreContractOptions,
  T0,
} from './fixtures.ts'

export function grantCases({ open }: StoreContractOptions): void {
  test('grants: insert and get round-trip every field, Dates as Dates to the millisecond', async () => {
    await using t = await open()
    const minimal = makeGrant()
    const full = makeGrant({
      status: 'ended',
      sessionBound: true,
      activatedAt: at(1),
      expiresAt: at(901),
      endedAt: at(30),
      endReason: 'completed',
      decidedBy: 'oidc:approver',
      decisionReason: 'looks fine',
      approvalId: id('approval'),
      plan: { statements: [{ text: 'SELECT 1 FROM billing.invoices', shape: 'a1b2c3' }] },
    })
    await t.store.grants.insert(minimal)
    await t.store.grants.insert(full)
    const gotMinimal = await t.store.grants.get(minimal.id)
    const gotFull = await t.store.grants.get(full.id)
    assert.deepEqual(gotMinimal, minimal)
    assert.deepEqual(gotFull, full)
    assertDatesAreDates(gotFull!)
    assert.equal(gotFull!.expiresAt!.getTime(), full.expiresAt!.getTime())
    assert.equal(await t.store.grants.get(id('grant')), undefined)
  })

  test('grants: a second insert with the same id fails with TG_ALREADY_EXISTS', async () => {
    await using t = await open()
    const grant = makeGrant()
    await t.store.grants.insert(grant)
    await rejectsWithCode(t.store.grants.insert({ ...grant, task: 'other' }), 'TG_ALREADY_EXISTS')
    assert.equal((await t.store.grants.get(grant.id))!.task, grant.task)
  })

  test('grants: list filters by principal, resource and status, newest first, with a limit', async () => {
    await using t = await open()
    const principalId = id('sa:p')
    const resourceId = id('db')
    const a = makeGrant({ principalId, resourceId, requestedAt: at(1) })
    const b = makeGrant({
      principalId,
      status: 'active',
      requestedAt: at(2),
      activatedAt: at(2),
      expiresAt: at(99),
    })
    const c = makeGrant({ resourceId, status: 'denied', requestedAt: at(3) })
    const d = makeGrant({ principalId, resourceId, status: 'ended', requestedAt: at(4) })
    for (const g of [a, b, c, d]) await t.store.grants.insert(g)
    const ids = async (filter: Parameters<typeof t.store.grants.list>[0]) =>
      (await t.store.grants.list(filter)).map((g) => g.id)
    assert.deepEqual(await ids({}), [d.id, c.id, b.id, a.id])
    assert.deepEqual(await ids({ principalId }), [d.id, b.id, a.id])
    assert.deepEqual(await ids({ resourceId }), [d.id, c.id, a.id])
    assert.deepEqual(await ids({ principalId, resourceId }), [d.id, a.id])
    assert.deepEqual(await ids({ status: ['pending', 'active'] }), [b.id, a.id])
    assert.deepEqual(await ids({ status: ['denied'] }), [c.id])
    assert.deepEqual(
      await ids({ status: [] }),
      [d.id, c.id, b.id, a.id],
      'an empty status list filters nothing',
    )
    assert.deepEqual(await ids({ limit: 2 }), [d.id, c.id])
    assert.deepEqual(await ids({ principalId, status: ['ended', 'pending'], limit: 1 }), [d.id])
    assert.deepEqual(await ids({ principalId: 'nobody' }), [])
    assert.deepEqual(await t.store.grants.list({ status: ['active'] }), [b])
  })

  test('grants: activate moves pending to active once; a second activate returns false and changes nothing', async () => {
    await using t = await open()
    const grant = makeGrant()
    await t.store.grants.insert(grant)
    assert.equal(await t.store.grants.activate(grant.id, at(5), at(905), 'policy', 'within ceiling'), true)
    const active = await t.store.grants.get(grant.id)
    assert.deepEqual(active, {
      ...grant,
      status: 'active',
      activatedAt: at(5),
      expiresAt: at(905),
      decidedBy: 'policy',
      decisionReason: 'within ceiling',
    })
    assert.equal(await t.store.grants.activate(grant.id, at(6), at(906), 'oidc:other', 'again'), false)
    assert.deepEqual(await t.store.grants.get(grant.id), active)
    assert.equal(await t.store.grants.activate(id('grant'), at(6), at(906), 'policy', 'unknown'), false)
  })

  test('grants: deny only a pending grant; deny after activate and activate after deny return false', async () => {
    await using t = await open()
    const pending = makeGrant()
    const activated = makeGrant()
    await t.store.grants.insert(pending)
    await t.store.grants.insert(activated)
    assert.equal(await t.store.grants.deny(pending.id, at(3), 'policy', 'outside ceiling'), true)
    const denied = await t.store.grants.get(pending.id)
    assert.equal(denied!.status, 'denied')
    assert.equal(denied!.decidedBy, 'policy')
    assert.equal(denied!.decisionReason, 'outside ceiling')
    assert.deepEqual(denied!.endedAt, at(3), 'the instant of the denial is kept as endedAt')
    assert.equal(await t.store.grants.deny(pending.id, at(4), 'policy', 'twice'), false)
    assert.equal(await t.store.grants.activate(pending.id, at(4), at(900), 'oidc:approver', 'late'), false)
    assert.equal((await t.store.grants.get(pending.id))!.status, 'denied')

    assert.equal(await t.store.grants.activate(activated.id, at(3), at(900), 'policy', 'ok'), true)
    assert.equal(await t.store.grants.deny(activated.id, at(4), 'oidc:approver', 'too late'), false)
    assert.equal((await t.store.grants.get(activated.id))!.status, 'active')
    assert.equal(await t.store.grants.deny(id('grant'), at(4), 'policy', 'unknown'), false)
  })

  test('grants: end moves pending or active to ended; ending twice returns false and keeps the first reason', async () => {
    await using t = await open()
    const active = makeGrant({ status: 'active', activatedAt: T0, expiresAt: at(900) })
    const pending = makeGrant()
    const denied = makeGrant({ status: 'denied' })
    for (const g of [active, pending, denied]) await t.store.grants.insert(g)
    assert.equal(await t.store.grants.end(active.id, 'revoked', at(10)), true)
    assert.equal(await t.store.grants.end(active.id, 'expired', at(20)), false)
    const ended = await t.store.grants.get(active.id)
    assert.deepEqual(ended, { ...active, status: 'ended', endedAt: at(10), endReason: 'revoked' })
    assert.equal(await t.store.grants.end(pending.id, 'cancelled', at(10)), true)
    assert.equal((await t.store.grants.get(pending.id))!.endReason, 'cancelled')
    assert.equal(await t.store.grants.end(denied.id, 'cancelled', at(10)), false)
    assert.equal(await t.store.grants.activate(active.id, at(30), at(900), 'policy', 'revive'), false)
    assert.equal(await t.store.grants.end(id('grant'), 'revoked', at(10)), false)
  })

  test('grants: concurrent transitions on one grant: exactly one wins', async () => {
    await using t = await open()
    const grant = makeGrant()
    await t.store.grants.insert(grant)
    const results = await Promise.all([
      t.store.grants.activate(grant.id, at(1), at(900), 'oidc:a', 'a'),
      t.store.grants.deny(grant.id, at(1), 'oidc:b', 'b'),
      t.store.grants.activate(grant.id, at(1), at(900), 'oidc:c', 'c'),
      t.store.grants.deny(grant.id, at(1), 'oidc:d', 'd'),
    ])
    assert.equal(results.filter(Boolean).length, 1)
  })

  test('grants: listExpired returns active grants with expiresAt <= now, only', async () => {
    await using t = await open()
    const live = (expiresAt: Date) => makeGrant({ status: 'active', activatedAt: T0, expiresAt })
    const past = live(at(10))
    const boundary = live(at(60))
    const future = live(at(61))
    const endedPast = makeGrant({
      status: 'ended',
      activatedAt: T0,
      expiresAt: at(5),
      endedAt: at(6),
      endReason: 'revoked',
    })
    const pending = makeGrant()
    for (const g of [past, boundary, future, endedPast, pending]) await t.store.grants.insert(g)
    const expired = await t.store.grants.listExpired(at(60))
    assert.deepEqual(expired.map((g) => g.id).sort(), [past.id, boundary.id].sort())
    assert.deepEqual(
      expired.find((g) => g.id === past.id),
      past,
    )
    assert.deepEqual(await t.store.grants.listExpired(at(9)), [])
  })

  test('grants: findNotLive names the ids that are not active and unexpired at now, unknown ids included', async () => {
    await using t = await open()
    const live = makeGrant({ status: 'active', activatedAt: T0, expiresAt: at(100) })
    const expired = makeGrant({ status: 'active', activatedAt: T0, expiresAt: at(50) })
    const boundary = makeGrant({ status: 'active', activatedAt: T0, expiresAt: at(60) })
    const ended = makeGrant({
      status: 'ended',
      activatedAt: T0,
      expiresAt: at(100),
      endedAt: at(1),
      endReason: 'revoked',
    })
    const denied = makeGrant({ status: 'denied' })
    const pending = makeGrant()
    for (const g of [live, expired, boundary, ended, denied, pending]) await t.store.grants.insert(g)
    const unknown = id('grant')
    const ids = [live.id, expired.id, boundary.id, ended.id, denied.id, pending.id, unknown]
    const notLive = await t.store.grants.findNotLive(ids, at(60))
    assert.deepEqual(
      notLive.sort(),
      [expired.id, boundary.id, ended.id, denied.id, pending.id, unknown].sort(),
    )
    assert.deepEqual(await t.store.grants.findNotLive([live.id], at(60)), [])
    assert.deepEqual(await t.store.grants.findNotLive([], at(60)), [])
    assert.deepEqual(await t.store.grants.findNotLive([live.id], at(100)), [live.id])
  })

  test('grants: countByStatus counts each status, zero for those with none', async () => {
    await using t = await open()
    assert.deepEqual(await t.store.grants.countByStatus(), { pending: 0, active: 0, ended: 0, denied: 0 })
    const active = () => makeGrant({ status: 'active', activatedAt: T0, expiresAt: at(100) })
    for (const g of [active(), active(), makeGrant(), makeGrant({ status: 'denied' })])
      await t.store.grants.insert(g)
    assert.deepEqual(await t.store.grants.countByStatus(), { pending: 1, active: 2, ended: 0, denied: 1 })
  })

  test('health: the store answers and reports its migrations complete', async () => {
    await using t = await open()
    assert.deepEqual(await t.store.health(), { migrationsPending: 0 })
  })
}

export function credentialCases({ open }: StoreContractOptions): void {
  test('credentials: insert and findByUsername round-trip, scoped to the resource', async () => {
    await using t = await open()
    const credential = makeCredential()
    await t.store.credentials.insert(credential)
    const got = await t.store.credentials.findByUsername(credential.resourceId, credential.username)
    assert.deepEqual(got, credential)
    assertDatesAreDates(got!)
    assert.equal(await t.store.credentials.findByUsername(id('db'), credential.username), undefined)
    assert.equal(await t.store.credentials.findByUsername(credential.resourceId, id('tg')), undefined)
  })

  test('credentials: a login name is unique per resource, not across resources', async () => {
    await using t = await open()
    const a = makeCredential()
    await t.store.credentials.insert(a)
    const sameNameElsewhere = makeCredential({ username: a.username })
    await t.store.credentials.insert(sameNameElsewhere)
    await rejectsWithCode(
      t.store.credentials.insert(makeCredential({ resourceId: a.resourceId, username: a.username })),
      'TG_ALREADY_EXISTS',
    )
    assert.deepEqual(await t.store.credentials.findByUsername(a.resourceId, a.username), a)
  })

  test('credentials: deleteForGrant removes every credential of that grant and no other', async () => {
    await using t = await open()
    const grantId = id('grant')
    const one = makeCredential({ grantId })
    const two = makeCredential({ grantId, resourceId: one.resourceId, seq: 2 })
    const other = makeCredential()
    for (const c of [one, two, other]) await t.store.credentials.insert(c)
    await t.store.credentials.deleteForGrant(grantId)
    assert.equal(await t.store.credentials.findByUsername(one.resourceId, one.username), undefined)
    assert.equal(await t.store.credentials.findByUsername(two.resourceId, two.username), undefined)
    assert.deepEqual(await t.store.credentials.findByUsername(other.resourceId, other.username), other)
    await t.store.credentials.deleteForGrant(grantId)
    assert.deepEqual(await t.store.credentials.listForGrant(grantId), [])
  })

  test('credentials: deleteExpiredBefore removes those that expired before the instant, and says how many', async () => {
    await using t = await open()
    const old = makeCredential({ expiresAt: at(10) })
    const boundary = makeCredential({ expiresAt: at(20) })
    const current = makeCredential({ expiresAt: at(900) })
    for (const c of [old, boundary, current]) await t.store.credentials.insert(c)
    assert.equal(await t.store.credentials.deleteExpiredBefore(at(20)), 1)
    assert.equal(await t.store.credentials.findByUsername(old.resourceId, old.username), undefined)
    assert.deepEqual(
      await t.store.credentials.findByUsername(boundary.resourceId, boundary.username),
      boundary,
    )
    assert.deepEqual(await t.store.credentials.findByUsername(current.resourceId, current.username), current)
    assert.equal(await t.store.credentials.deleteExpiredBefore(at(20)), 0)
  })

  test('credentials: a grant holds several, listed oldest first; keepNewest deletes the oldest beyond it', async () => {
    await using t = await open()
    const grantId = id('grant')
    const resourceId = id('db')
    const make = (seq: number) => makeCredential({ grantId, resourceId, seq, username: `${grantId}_${seq}` })
    const other = makeCredential()
    await t.store.credentials.insert(other, 1)
    const [c1, c2, c3, c4] = [make(1), make(2), make(3), make(4)]
    // Inserted out of order: the list follows seq, not insertion.
    assert.deepEqual(await t.store.credentials.insert(c2!, 3), [])
    assert.deepEqual(await t.store.credentials.insert(c1!, 3), [])
    assert.deepEqual(await t.store.credentials.insert(c3!), [])
    assert.deepEqual(await t.store.credentials.listForGrant(grantId), [c1, c2, c3])
    assertDatesAreDates((await t.store.credentials.listForGrant(grantId))[0]!)
    // The fourth with a cap of 2 removes numbers 1 and 2, and says which.
    assert.deepEqual(await t.store.credentials.insert(c4!, 2), [c1!.username, c2!.username])
    assert.deepEqual(await t.store.credentials.listForGrant(grantId), [c3, c4])
    assert.equal(await t.store.credentials.findByUsername(resourceId, c1!.username), undefined)
    assert.deepEqual(await t.store.credentials.findByUsername(resourceId, c4!.username), c4)
    assert.deepEqual(await t.store.credentials.listForGrant(other.grantId), [other])
    // A refused insert (login name taken) deletes nothing.
    await rejectsWithCode(
      t.store.credentials.insert({ ...make(9), username: c3!.username }, 1),
      'TG_ALREADY_EXISTS',
    )
    assert.deepEqual(await t.store.credentials.listForGrant(grantId), [c3, c4])
    assert.deepEqual(await t.store.credentials.listForGrant(id('grant')), [])
  })
}

export function serviceAccountCases({ open }: StoreContractOptions): void {
  test('service accounts: insert, get, list by name; duplicates fail with TG_ALREADY_EXISTS', async () => {
    await using t = await open()
    const b = makeServiceAccount({ name: `b-${id('bot')}`, kind: 'service', groups: [] })
    const a = makeServiceAccount({ name: `a-${id('bot')}`, disabledAt: at(5) })
    await t.store.serviceAccounts.insert(b)
    await t.store.serviceAccounts.insert(a)
    assert.deepEqual(await t.store.serviceAccounts.get(a.name), a)
    assert.deepEqual(await t.store.serviceAccounts.get(b.name), b)
    assert.equal(await t.store.serviceAccounts.get('nobody'), undefined)
    assert.deepEqual(await t.store.serviceAccounts.list(), [a, b])
    await rejectsWithCode(
      t.store.serviceAccounts.insert(makeServiceAccount({ name: a.name })),
      'TG_ALREADY_EXISTS',
    )
  })

  test('service accounts: disable once (first instant kept), setKeyHash rotates; unknown names return false', async () => {
    await using t = await open()
    const account = makeServiceAccount()
    await t.store.serviceAccounts.insert(account)
    assert.equal(await t.store.serviceAccounts.disable(account.name, at(10)), true)
    assert.equal(await t.store.serviceAccounts.disable(account.name, at(20)), false)
    assert.deepEqual((await t.store.serviceAccounts.get(account.name))!.disabledAt, at(10))
    assert.equal(await t.store.serviceAccounts.setKeyHash(account.name, 'f'.repeat(64)), true)
    assert.deepEqual(await t.store.serviceAccounts.get(account.name), {
      ...account,
      keyHash: 'f'.repeat(64),
      disabledAt: at(10),
    })
    assert.equal(await t.store.serviceAccounts.disable('nobody', at(10)), false)
    assert.equal(await t.store.serviceAccounts.setKeyHash('nobody', 'f'.repeat(64)), false)
  })

  test('service accounts: delete keeps the name taken, leaves the list, disables once', async () => {
    await using t = await open()
    const active = makeServiceAccount()
    const disabled = makeServiceAccount({ disabledAt: at(3) })
    await t.store.serviceAccounts.insert(active)
    await t.store.serviceAccounts.insert(disabled)
    assert.equal(await t.store.serviceAccounts.delete(active.name, at(10)), true)
    assert.equal(await t.store.serviceAccounts.delete(active.name, at(20)), false, 'deleted once')
    assert.equal(await t.store.serviceAccounts.delete(disabled.name, at(11)), true)
    assert.equal(await t.store.serviceAccounts.delete('nobody', at(10)), false)
    assert.deepEqual(await t.store.serviceAccounts.get(active.name), {
      ...active,
      disabledAt: at(10),
      deletedAt: at(10),
    })
    assert.deepEqual(await t.store.serviceAccounts.get(disabled.name), { ...disabled, deletedAt: at(11) })
    const listed = (await t.store.serviceAccounts.list()).map((a) => a.name)
    assert.ok(!listed.includes(active.name) && !listed.includes(disabled.name), listed.join(','))
    await rejectsWithCode(
      t.store.serviceAccounts.insert(makeServiceAccount({ name: active.name })),
      'TG_ALREADY_EXISTS',
    )
  })
}
