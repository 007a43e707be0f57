import assert from 'node:assert/strict'
import { test } from 'node:test'
import { activeGrant } from '../../../../test/support/grant-fixture.ts'
import { parseScope } from '../../grants/scope.ts'
import type { Rules } from '../rules.ts'
import { scopeCoversAction } from './scope-covers.ts'

const grantFor = (scope: string) => activeGrant(scope, { task: 'reconcile' })
const rules: Rules = {
  resourceId: 'billing-db',
  implicit: {
    allow: parseScope('transaction:*'),
    except: parseScope('transaction:read-write'),
    writers: { readVerbs: ['select', 'show'], allow: parseScope('transaction:read-write') },
  },
  guardrails: [],
}
const action = (needs: string) => ({
  protocol: 'postgres',
  kind: 'TransactionStmt',
  needs: parseScope(needs),
  traits: [],
  text: 'BEGIN READ WRITE',
})

test('a writers-only implicit entry is denied to a read-only grant, naming it and the request command', () => {
  const d = scopeCoversAction(
    action('transaction:*,transaction:read-write'),
    grantFor('select:billing.*'),
    rules,
  )
  assert.equal(d?.outcome, 'deny')
  assert.deepEqual(d?.outcome === 'deny' && d.missingScope, parseScope('transaction:read-write'))
  assert.match(
    (d?.outcome === 'deny' && d.requestHint) || '',
    /--scope "select:billing\.\*,transaction:read-write"/,
  )
})

test('a writers-only implicit entry is implied for a grant holding any other verb', () => {
  for (const scope of ['select:billing.*,insert:billing.invoices', '*:billing.*', 'transaction:read-write']) {
    assert.equal(
      scopeCoversAction(action('transaction:read-write'), grantFor(scope), rules),
      undefined,
      scope,
    )
  }
})
