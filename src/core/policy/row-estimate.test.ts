// Guardrails with `rowsOver`: an extra AND condition on an estimate the protocol supplies; an unknown
// estimate matches only with `whenUnknown: match`; wantsRowEstimate asks for one only when it can matter.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { activeGrant, GRANT_TIME } from '../../../test/support/grant-fixture.ts'
import { parseScope } from '../grants/scope.ts'
import type { Action } from './action.ts'
import { guardrailMatches } from './checks/guardrails.ts'
import { decide } from './decide.ts'
import { DEFAULT_GUARDRAILS } from './default-guardrails.ts'
import { wantsRowEstimate } from './row-estimate.ts'
import type { Guardrail, Rules } from './rules.ts'

const now = GRANT_TIME
const grant = activeGrant('select:billing.*,delete:billing.invoices')
const holdBig: Guardrail = {
  id: 'big-delete',
  description: 'large deletes need a second pair of eyes',
  action: 'approve',
  kinds: ['DeleteStmt'],
  rowsOver: 1000,
}
const denyHuge: Guardrail = {
  id: 'huge-delete',
  description: 'deletes this large go through a migration',
  action: 'deny',
  kinds: ['DeleteStmt'],
  rowsOver: 100_000,
}
const rules = (...extra: Guardrail[]): Rules => ({
  resourceId: 'billing-db',
  implicit: { allow: [], except: [] },
  guardrails: [...DEFAULT_GUARDRAILS, ...extra],
})
const del = (estimatedRows?: number, needs = 'delete:billing.invoices'): Action => ({
  protocol: 'postgres',
  kind: 'DeleteStmt',
  needs: parseScope(needs),
  traits: [],
  text: 'DELETE FROM billing.invoices WHERE id < 4000',
  ...(estimatedRows === undefined ? {} : { estimatedRows }),
})

test('rowsOver matches only an estimate over the threshold', () => {
  assert.equal(guardrailMatches(holdBig, del(1001), grant), true)
  assert.equal(guardrailMatches(holdBig, del(1000), grant), false)
  assert.equal(guardrailMatches(holdBig, del(3), grant), false)
})

test('rowsOver is an AND with the other criteria', () => {
  const select: Action = { ...del(50_000), kind: 'SelectStmt', needs: parseScope('select:billing.invoices') }
  assert.equal(guardrailMatches(holdBig, select, grant), false)
})

test('an unknown estimate matches only when the rule says whenUnknown: match', () => {
  assert.equal(guardrailMatches(holdBig, del(), grant), false)
  assert.equal(guardrailMatches({ ...holdBig, whenUnknown: 'match' }, del(), grant), true)
  assert.equal(guardrailMatches({ ...holdBig, whenUnknown: 'no-match' }, del(), grant), false)
})

test('a hold names the rule and the estimate', () => {
  const d = decide(del(12_400), grant, rules(holdBig, denyHuge), now)
  assert.equal(d.outcome, 'approve-first')
  assert.equal(d.outcome === 'approve-first' && d.rule, 'guardrail:big-delete')
  assert.equal(
    d.outcome === 'approve-first' && d.reason,
    'taskgate guardrail big-delete: large deletes need a second pair of eyes (about 12,400 rows estimated, over 1,000)',
  )
})

test('the deny rule at a higher threshold wins over the hold', () => {
  const d = decide(del(250_000), grant, rules(holdBig, denyHuge), now)
  assert.equal(d.outcome, 'deny')
  assert.equal(d.outcome === 'deny' && d.rule, 'guardrail:huge-delete')
  assert.match(d.outcome === 'deny' ? d.reason : '', /\(about 250,000 rows estimated, over 100,000\)$/)
})

test('small statements, and unestimated ones a rule lets through, are decided by the grant alone', () => {
  assert.deepEqual(decide(del(9), grant, rules(holdBig, denyHuge), now), { outcome: 'allow' })
  const lenient = { ...denyHuge, whenUnknown: 'no-match' as const }
  assert.deepEqual(decide(del(), grant, rules(holdBig, lenient), now), { outcome: 'allow' })
})

test('by default an unknown estimate fails closed for a deny rule and passes an approve rule', () => {
  assert.equal(decide(del(), grant, rules(denyHuge), now).outcome, 'deny')
  assert.deepEqual(decide(del(), grant, rules(holdBig), now), { outcome: 'allow' })
})

test('a denial for an unknown estimate says so', () => {
  const d = decide(del(), grant, rules({ ...denyHuge, whenUnknown: 'match' }), now)
  assert.equal(d.outcome, 'deny')
  assert.match(d.outcome === 'deny' ? d.reason : '', /row count unknown/)
})

test('wantsRowEstimate: only when a rowsOver rule applies and nothing else denies', () => {
  const r = rules(holdBig, denyHuge)
  assert.equal(wantsRowEstimate(del(), grant, r, now), true)
  // Already estimated.
  assert.equal(wantsRowEstimate(del(5), grant, r, now), false)
  // No rule with rowsOver concerns a SELECT: no estimate, no cost.
  const select: Action = { ...del(), kind: 'SelectStmt', needs: parseScope('select:billing.invoices') }
  assert.equal(wantsRowEstimate(select, grant, r, now), false)
  assert.equal(wantsRowEstimate(del(), grant, rules(), now), false)
  // Outside the grant: denied whatever the estimate, and never sent to the target to be explained.
  assert.equal(wantsRowEstimate(del(undefined, 'delete:billing.customers'), grant, r, now), false)
  // Another guardrail denies it already.
  const unbounded: Action = { ...del(), traits: ['unbounded-write'] }
  assert.equal(wantsRowEstimate(unbounded, grant, r, now), false)
  // A whenUnknown: match deny rule does not stop the estimate it is waiting for.
  assert.equal(wantsRowEstimate(del(), grant, rules({ ...denyHuge, whenUnknown: 'match' }), now), true)
})

test('rowsOver respects the rule groups', () => {
  const forOthers: Guardrail = { ...holdBig, groups: ['contractors'] }
  assert.equal(guardrailMatches(forOthers, del(5000), grant), false)
  assert.equal(wantsRowEstimate(del(), grant, rules(forOthers), now), false)
})
