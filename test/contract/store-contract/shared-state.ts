import assert from 'node:assert/strict'
import { test } from 'node:test'
import { at, id, type StoreContractOptions } from './fixtures.ts'

export function sharedStateCases({ open }: StoreContractOptions): void {
  test('shared state: put keeps a live entry, replaces an expired one; get and count see live ones only', async () => {
    await using t = await open()
    const s = t.store.sharedState
    const key = id('k')
    assert.equal(await s.put('oidc_login', key, 'one', at(60), at(0)), true)
    assert.equal(
      await s.put('oidc_login', key, 'two', at(60), at(1)),
      false,
      'a live entry is never overwritten',
    )
    assert.equal(await s.get('oidc_login', key, at(1)), 'one')
    assert.equal(await s.get('saml_login', key, at(1)), undefined, 'kinds are separate')
    assert.equal((await s.count('oidc_login', at(1))) >= 1, true)
    assert.equal(await s.get('oidc_login', key, at(60)), undefined, 'expired at expiresAt')
    assert.equal(await s.put('oidc_login', key, 'three', at(120), at(61)), true, 'an expired one is replaced')
    assert.equal(await s.get('oidc_login', key, at(62)), 'three')
    assert.equal(await s.replace('oidc_login', key, 'four', at(62)), true)
    assert.equal(await s.get('oidc_login', key, at(63)), 'four')
    assert.equal(
      await s.replace('oidc_login', key, 'five', at(121)),
      false,
      'an expired entry is not revived',
    )
    await s.delete('oidc_login', key)
    assert.equal(await s.get('oidc_login', key, at(63)), undefined)
  })

  test('shared state: take returns a live entry once, even to two instances racing', async () => {
    await using t = await open()
    const other = await t.openAnother()
    const key = id('state')
    await t.store.sharedState.put('saml_request', key, 'v', at(600), at(0))
    const taken = await Promise.all([
      t.store.sharedState.take('saml_request', key, at(1)),
      other.sharedState.take('saml_request', key, at(1)),
      t.store.sharedState.take('saml_request', key, at(1)),
    ])
    assert.deepEqual(taken.toSorted(), ['v', undefined, undefined])
    await t.store.sharedState.put('saml_request', key, 'old', at(10), at(0))
    assert.equal(await other.sharedState.take('saml_request', key, at(11)), undefined, 'expired is not taken')
    assert.equal(await other.sharedState.get('saml_request', key, at(0)), undefined, 'but it is gone')
  })

  test('shared state: sweep deletes expired entries only', async () => {
    await using t = await open()
    const [live, dead] = [id('live'), id('dead')]
    await t.store.sharedState.put('console_session', live, 'x', at(100), at(0))
    await t.store.sharedState.put('console_session', dead, 'y', at(10), at(0))
    assert.equal((await t.store.sharedState.sweep(at(50))) >= 1, true)
    assert.equal(await t.store.sharedState.get('console_session', live, at(50)), 'x')
    assert.equal(await t.store.sharedState.take('console_session', dead, at(0)), undefined)
  })

  test('leases: one holder at a time, renewable by its holder, free once released', async () => {
    await using t = await open()
    const other = await t.openAnother()
    const name = id('audit-export')
    const wins = await Promise.all([
      t.store.leases.acquire(name, 'a', 60_000),
      other.leases.acquire(name, 'b', 60_000),
    ])
    assert.equal(wins.filter(Boolean).length, 1, 'exactly one of two racing gateways gets it')
    const [holder, loser] = wins[0] ? ['a', 'b'] : ['b', 'a']
    assert.equal(await t.store.leases.holder(name), holder)
    assert.equal(await other.leases.acquire(name, holder, 60_000), true, 'the holder renews')
    assert.equal(await t.store.leases.acquire(name, loser, 60_000), false)
    await t.store.leases.release(name, loser)
    assert.equal(await other.leases.holder(name), holder, 'only the holder can release')
    await t.store.leases.release(name, holder)
    assert.equal(await other.leases.holder(name), undefined)
    assert.equal(await other.leases.acquire(name, loser, 60_000), true)
  })

  test('leases: an expired lease goes to the next gateway that asks', async () => {
    await using t = await open()
    const name = id('lease')
    assert.equal(await t.store.leases.acquire(name, 'dead', 1), true)
    // 1 ms lease: wait until it has certainly passed on the store's clock.
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(await t.store.leases.holder(name), undefined)
    assert.equal(await t.store.leases.acquire(name, 'alive', 60_000), true)
    assert.equal(await t.store.leases.holder(name), 'alive')
  })
}
