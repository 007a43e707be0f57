import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ResourceConfig } from '../../config/schema.ts'
import { isTaskgateError } from '../errors.ts'
import { offPlanStatements, type PlannedStatement, scopeFromPlan } from './grant-plan.ts'

const statement = (
  text: string,
  needs: string[],
  extra: Partial<PlannedStatement> = {},
): PlannedStatement => ({
  text,
  needs: needs.map((n) => ({ verb: n.split(':')[0]!, object: n.split(':')[1]! })),
  shape: text.replace(/\d+/g, '?'),
  ...extra,
})
/** Only the kind is read here. */
const resource = (kind: string) => ({ id: 'r', kind }) as unknown as ResourceConfig
const planner = (statements: PlannedStatement[]) => () => statements
const implicit = { allow: [{ verb: 'select', object: 'pg_catalog.pg_class' }], except: [] }
const rejects = (run: () => unknown, message: RegExp) =>
  assert.throws(run, (e) => isTaskgateError(e) && e.code === 'TG_REQUEST_INVALID' && message.test(e.message))

test('the least covering scope: distinct needs, implicit ones left out, in plan order', () => {
  const { scope, plan } = scopeFromPlan(
    'ignored',
    planner([
      statement('SELECT 1 FROM a.t WHERE id = 1', ['select:a.t', 'select:pg_catalog.pg_class']),
      statement('UPDATE a.u SET x = 2', ['update:a.u', 'select:a.t']),
    ]),
    implicit,
    resource('postgres'),
  )
  assert.deepEqual(scope, [
    { verb: 'select', object: 'a.t' },
    { verb: 'update', object: 'a.u' },
  ])
  assert.deepEqual(
    plan.statements.map((s) => s.shape),
    ['SELECT ? FROM a.t WHERE id = ?', 'UPDATE a.u SET x = ?'],
  )
})

test('a plan is refused whole: unclassified, empty, catalog-only, too large, or a kind without a planner', () => {
  rejects(
    () =>
      scopeFromPlan(
        'x',
        planner([statement('LOAD x', [], { unclassified: 'LoadStmt' })]),
        implicit,
        resource('postgres'),
      ),
    /cannot be classified \(LoadStmt\)/,
  )
  rejects(() => scopeFromPlan('x', planner([]), implicit, resource('postgres')), /no statement/)
  rejects(
    () =>
      scopeFromPlan(
        'x',
        planner([statement('SELECT', ['select:pg_catalog.pg_class'])]),
        implicit,
        resource('postgres'),
      ),
    /nothing beyond/,
  )
  rejects(
    () => scopeFromPlan('x'.repeat(300_000), planner([]), implicit, resource('postgres')),
    /characters long/,
  )
  rejects(() => scopeFromPlan('x', undefined, implicit, resource('ssh')), /kind ssh cannot take a plan/)
})

test('off the plan: any statement of a recorded text whose shape the plan lacks; unsplittable text too', () => {
  const plan = { statements: [{ text: 'SELECT 1', shape: 'SELECT ?' }] }
  const split = (text: string) => {
    if (text === 'garbage') throw new Error('does not parse')
    return text.split(';').map((t) => statement(t.trim(), []))
  }
  const actions = [
    { sessionId: 's', seq: 1, text: 'SELECT 2', outcome: 'allow' },
    { sessionId: 's', seq: 2, text: 'SELECT 3; DELETE FROM t', outcome: 'deny' },
    { sessionId: 's', seq: 3, text: 'garbage', outcome: 'deny' },
    { sessionId: 's', seq: 4, text: '', outcome: 'deny' },
  ]
  const off = offPlanStatements(plan, actions, split, resource('postgres'))
  assert.equal(off.count, 2)
  assert.deepEqual(
    off.statements.map((s) => s.seq),
    [2, 3],
  )
})
