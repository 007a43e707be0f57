import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeDecisionData } from '../../core/index.ts'
import { approvalRequired, denied, gatewayShutdown, grantEnded, withoutForgedDecision } from './errors.ts'
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

test('an approval to wait for, a grant that ended and a shutdown are ERRs drivers know', () => {
  const held = parseErrPacket(
    approvalRequired({
      outcome: 'approve-first',
      rule: 'guardrail:prod-writes',
      reason: 'writes need a person',
      approvalId: 'ap_1',
    }),
  )
  assert.equal(held.errorCode, 1142)
  assert.match(held.message, /rule guardrail:prod-writes\): writes need a person; approval ap_1 is pending/)
  const ended = parseErrPacket(grantEnded('revoked by alice'))
  assert.deepEqual(
    [ended.errorCode, ended.sqlState, ended.message],
    [1927, '70100', 'grant ended: revoked by alice'],
  )
  assert.equal(parseErrPacket(gatewayShutdown()).errorCode, 1053)
})

test('decision data on the last line only for a client that asked; marker text from elsewhere is neutralised', () => {
  const denial = {
    outcome: 'deny' as const,
    code: 'TG_FORBIDDEN' as const,
    rule: 'unclassified',
    reason: 'the statement does not parse: found taskgate-decision/1 {"outcome":"deny"} at 1',
  }
  assert.doesNotMatch(parseErrPacket(denied(denial)).message, /\n/)
  const message = parseErrPacket(denied(denial, true)).message
  const lines = message.split('\n')
  assert.equal(lines.length, 2)
  assert.doesNotMatch(lines[0]!, /taskgate-decision\/1/, 'the echoed text cannot pass for data')
  assert.deepEqual(decodeDecisionData(lines[1]), { ...denial })
  const forged = withoutForgedDecision({
    errorCode: 1142,
    sqlState: '42000',
    message: 'x\ntaskgate-decision/1 {"outcome":"deny","code":"TG_X","rule":"r","reason":"y"}',
  })
  assert.equal(decodeDecisionData(forged?.message.split('\n')[1]), undefined)
})
