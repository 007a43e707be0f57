import assert from 'node:assert/strict'
import { test } from 'node:test'
import { denied } from './errors.ts'
import { parseErrPacket } from './wire/generic-responses.ts'

test('a denial is ERR 1142 / 42000 carrying rule, missing scope and the request command', () => {
  const err = parseErrPacket(
    denied({
      outcome: 'deny',
      code: 'TG_SCOPE_MISSING',
      rule: 'scope',
      reason: 'taskgate: the grant does not cover delete:shop.orders',
      missingScope: [{ verb: 'delete', object: 'shop.orders' }],
      requestHint: 'taskgate grant request shop-db --scope delete:shop.orders --reason "…"',
    }),
  )
  assert.equal(err.errorCode, 1142)
  assert.equal(err.sqlState, '42000')
  assert.match(err.message, /^taskgate denied this statement \(rule scope\): the grant does not cover/)
  assert.match(err.message, /missing scope: delete:shop\.orders/)
  assert.match(err.message, /taskgate grant request shop-db --scope delete:shop\.orders/)
})
