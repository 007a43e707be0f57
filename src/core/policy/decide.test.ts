import assert from 'node:assert/strict'
import { test } from 'node:test'
import { activeGrant, GRANT_TIME } from '../../../test/support/grant-fixture.ts'
import type { Grant } from '../grants/grant.ts'
import { parseScope } from '../grants/scope.ts'
import type { Action } from './action.ts'
import { decide } from './decide.ts'
import { DEFAULT_GUARDRAILS } from './default-guardrails.ts'
import type { Rules } from './rules.ts'

const now = GRANT_TIME
const grant = activeGrant('select:billing.invoices,select:billing.customers', {
  task: "investigate invoice 8841's total",
})
const rules: Rules = {
  resourceId: 'billing-db',
  // The shape a protocol registers (protocols/postgres/implicit-scope.ts has the real one).
  implicit: {
    allow: parseScope('select:pg_catalog.*,execute:pg_catalog.*,transaction:*'),
    except: parseScope('execute:pg_catalog.pg_terminate_backend'),
  },
  guardrails: DEFAULT_GUARDRAILS,
}
const action = (needs: string, traits: string[] = [], kind = 'SelectStmt'): Action => ({
  protocol: 'postgres',
  kind,
  needs: parseScope(needs),
  traits,
  text: 'x',
})

test('a read inside the scope is allowed', () => {
  assert.deepEqual(decide(action('select:billing.invoices'), grant, rules, now), { outcome: 'allow' })
})

test('catalog reads and transaction control are implied', () => {
  assert.equal(
    decide(action('select:pg_catalog.pg_class,transaction:*,execute:pg_catalog.now'), grant, rules, now)
      .outcome,
    'allow',
  )
})

test('dangerous catalog functions are not implied', () => {
  const d = decide(action('execute:pg_catalog.pg_terminate_backend'), grant, rules, now)
  assert.equal(d.outcome, 'deny')
})

test('a write is denied with the missing scope and the exact request command', () => {
  const d = decide(
    action('select:billing.invoices,delete:billing.invoices', [], 'DeleteStmt'),
    grant,
    rules,
    now,
  )
  assert.equal(d.outcome, 'deny')
  if (d.outcome !== 'deny') return
  assert.equal(d.code, 'TG_SCOPE_MISSING')
  assert.deepEqual(d.missingScope, [{ verb: 'delete', object: 'billing.invoices' }])
  assert.equal(
    d.requestHint,
    `taskgate grant request billing-db --scope "select:billing.invoices,select:billing.customers,delete:billing.invoices" --task '<what you need it for>'`,
  )
})

test('unclassified actions fail closed', () => {
  const d = decide(
    { ...action(''.concat('select:billing.invoices')), unclassified: 'parse error' },
    grant,
    rules,
    now,
  )
  assert.equal(d.outcome === 'deny' && d.code, 'TG_UNCLASSIFIED')
})

test('an expired or ended grant denies everything', () => {
  const later = new Date(now.getTime() + 901_000)
  assert.equal(decide(action('select:billing.invoices'), grant, rules, later).outcome, 'deny')
  const ended: Grant = { ...grant, status: 'ended', endReason: 'revoked' }
  const d = decide(action('select:billing.invoices'), ended, rules, now)
  assert.equal(d.outcome === 'deny' && d.code, 'TG_GRANT_NOT_ACTIVE')
})

test('a guardrail denies whatever the grant says', () => {
  const wide: Grant = { ...grant, scope: parseScope('*:*') }
  const d = decide(action('copy:public.t', ['program-execution'], 'CopyStmt'), wide, rules, now)
  assert.equal(d.outcome === 'deny' && d.rule, 'guardrail:no-program-execution')
})

test('a guardrail on a statement kind also matches the kind nested in a CTE or prepared statement', () => {
  const holdDeletes: Rules = {
    ...rules,
    guardrails: [
      { id: 'hold-deletes', description: 'deletes need a person', action: 'approve', kinds: ['DeleteStmt'] },
    ],
  }
  const wide: Grant = { ...grant, scope: parseScope('*:*') }
  const nested = action(
    'delete:billing.invoices,select:billing.invoices',
    ['stmt:SelectStmt', 'stmt:DeleteStmt'],
    'SelectStmt',
  )
  assert.equal(decide(nested, wide, holdDeletes, now).outcome, 'approve-first')
})

test('an approve guardrail is asked only about what the grant allows: excess scope is denied first', () => {
  const holdDeletes: Rules = {
    ...rules,
    guardrails: [
      { id: 'hold-deletes', description: 'deletes need a person', action: 'approve', kinds: ['DeleteStmt'] },
    ],
  }
  const ops: Grant = { ...grant, scope: parseScope('select:ops.*,delete:ops.*') }
  const excess = action('select:secret.creds,delete:ops.jobs', ['stmt:DeleteStmt'], 'SelectStmt;DeleteStmt')
  const d = decide(excess, ops, holdDeletes, now)
  assert.equal(d.outcome === 'deny' && d.code, 'TG_SCOPE_MISSING')
  assert.deepEqual(d.outcome === 'deny' && d.missingScope, parseScope('select:secret.creds'))
  const inside = action('select:ops.jobs,delete:ops.jobs', ['stmt:DeleteStmt'], 'SelectStmt;DeleteStmt')
  assert.equal(decide(inside, ops, holdDeletes, now).outcome, 'approve-first')
})

test('a rename is refused under a masking rule that names columns, allowed without one', async () => {
  const { compileMaskingRules } = await import('../masking/rules.ts')
  const { maskingContextFor } = await import('../masking/masking-context.ts')
  const everything = { ...grant, scope: parseScope('*:billing.*') }
  const rename = action('alter:billing.customers', ['ddl', 'renames'], 'RenameStmt')
  const under = (masking: Parameters<typeof compileMaskingRules>[0]): Rules => {
    const set = compileMaskingRules(masking)
    return { ...rules, masking: (groups) => maskingContextFor(set, rules.resourceId, groups) }
  }
  const byColumn = under({ rules: [{ id: 'ssn-numbers', columns: ['ssn'], style: 'redact' }] })
  const d = decide(rename, everything, byColumn, now)
  assert.equal(d.outcome, 'deny')
  assert.equal(d.outcome === 'deny' && d.rule, 'masking:ssn-numbers')
  assert.equal(decide(rename, everything, rules, now).outcome, 'allow')
  const byDetector = under({ rules: [{ id: 'cards', detectors: ['card'], style: 'redact' }] })
  assert.equal(decide(rename, everything, byDetector, now).outcome, 'allow')
})
