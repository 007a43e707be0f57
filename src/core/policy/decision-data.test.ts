import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DECISION_DATA_MARKER,
  decodeDecisionData,
  encodeDecisionData,
  MAX_DECISION_DATA_LENGTH,
} from './decision-data.ts'

test('a denial and a hold survive the trip as data', () => {
  const denial = encodeDecisionData({
    outcome: 'deny',
    code: 'TG_SCOPE_MISSING',
    rule: 'scope',
    reason: 'grant g1 does not allow delete:a.b',
    missingScope: [{ verb: 'delete', object: 'a.b' }],
    requestHint: 'taskgate grant request db --scope "delete:a.b" --task \'t\'',
  })
  assert.ok(denial.startsWith(DECISION_DATA_MARKER))
  assert.deepEqual(decodeDecisionData(denial), {
    outcome: 'deny',
    code: 'TG_SCOPE_MISSING',
    rule: 'scope',
    reason: 'grant g1 does not allow delete:a.b',
    missingScope: ['delete:a.b'],
    requestHint: 'taskgate grant request db --scope "delete:a.b" --task \'t\'',
  })
  const hold = encodeDecisionData({ outcome: 'approve-first', rule: 'r', reason: 'x', approvalId: 'a1' })
  assert.deepEqual(decodeDecisionData(hold), {
    outcome: 'approve-first',
    code: 'TG_APPROVAL_REQUIRED',
    rule: 'r',
    reason: 'x',
    approvalId: 'a1',
  })
})

test('only exactly this shape, marked and bounded, is a decision; unknown fields are dropped', () => {
  const m = DECISION_DATA_MARKER
  for (const text of [
    undefined,
    42,
    'ExecConstraints',
    `${m}not json`,
    `${m}[]`,
    `${m}{"outcome":"allow","code":"TG_X","rule":"r","reason":"x"}`,
    `${m}{"outcome":"deny","code":"nope","rule":"r","reason":"x"}`,
    `${m}{"outcome":"deny","code":"TG_X","rule":"r","reason":"x","missingScope":[1]}`,
    `${m}{"outcome":"deny","code":"TG_X","rule":"r","reason":"x","approvalId":"a b"}`,
    `${m}{"outcome":"deny","code":"TG_X","rule":"r","reason":"${'x'.repeat(MAX_DECISION_DATA_LENGTH)}"}`,
  ])
    assert.equal(decodeDecisionData(text), undefined, String(text))
  assert.deepEqual(
    decodeDecisionData(`${m}{"outcome":"deny","code":"TG_X","rule":"r","reason":"x","extra":1}`),
    {
      outcome: 'deny',
      code: 'TG_X',
      rule: 'r',
      reason: 'x',
    },
  )
})

test('a long reason is cut so the data stays within its bound', () => {
  const text = encodeDecisionData({
    outcome: 'deny',
    code: 'TG_FORBIDDEN',
    rule: 'r',
    reason: 'y'.repeat(50_000),
  })
  assert.ok(text.length < MAX_DECISION_DATA_LENGTH)
  assert.ok(decodeDecisionData(text))
})
