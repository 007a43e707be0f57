import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { accountNameFor, isExpiredAccount, MAX_USER_NAME_LENGTH } from './account-name.ts'

const expiresAt = new Date('2026-12-06T09:00:00Z')

test('names fit MySQL’s 32 characters, are stable per grant and distinct between grants', () => {
  const names = new Set<string>()
  // Ids that share a long prefix are where truncation collides; hashing the whole id does not.
  const prefix = 'grant-for-a-very-long-principal-name-and-task-'
  for (let i = 0; i < 10_000; i++) {
    const name = accountNameFor(`${prefix}${i}`, expiresAt)
    assert.ok(name.length <= MAX_USER_NAME_LENGTH, name)
    assert.match(name, /^tg_[a-z2-7]{16}_[0-9a-z]+$/)
    names.add(name)
  }
  assert.equal(names.size, 10_000)
  const id = randomUUID()
  assert.equal(accountNameFor(id, expiresAt), accountNameFor(id, expiresAt))
  assert.ok(accountNameFor(id, new Date('2099-12-31T23:59:59Z')).length <= MAX_USER_NAME_LENGTH)
})

test('the expiry in the name says when any gateway may drop the account', () => {
  const name = accountNameFor(randomUUID(), expiresAt)
  assert.equal(isExpiredAccount(name, new Date(expiresAt.getTime() - 1000)), false)
  assert.equal(isExpiredAccount(name, expiresAt), true)
  assert.equal(isExpiredAccount('root', expiresAt), false)
  assert.equal(isExpiredAccount('tg_app_owner', new Date('2100-01-01')), false)
})
