// Issue 11 (item 14): a scope denial's hint repeated the old grant's task, inviting a request for a wider
// scope under a reason written for the narrower one. It now asks for the new task with a placeholder.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseScope } from '../../src/core/grants/scope.ts'
import { decide } from '../../src/core/policy/decide.ts'
import { activeGrant, GRANT_TIME } from '../support/grant-fixture.ts'

test('the request hint of a scope denial carries a task placeholder, not the old task', () => {
  const grant = activeGrant('select:billing.invoices', { task: 'read invoice 8841 for the audit' })
  const decision = decide(
    {
      protocol: 'postgres',
      kind: 'DeleteStmt',
      needs: parseScope('delete:billing.invoices'),
      traits: [],
      text: 'x',
    },
    grant,
    { resourceId: grant.resourceId, implicit: { allow: [], except: [] }, guardrails: [] },
    GRANT_TIME,
  )
  assert.equal(decision.outcome, 'deny')
  if (decision.outcome !== 'deny') return
  assert.match(decision.requestHint ?? '', / --task '<what you need it for>'$/)
  assert.doesNotMatch(decision.requestHint ?? '', /invoice 8841/)
})
