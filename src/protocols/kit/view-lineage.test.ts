import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Action } from '../../core/index.ts'
import { relationNames, withViewLineage } from './view-lineage.ts'

const action = (objects: string[], columns: string[], wholeRow = false): Action => ({
  protocol: 'postgres',
  kind: 'SelectStmt',
  needs: objects.map((object) =>
    object.endsWith('()') ? { verb: 'execute', object: object.slice(0, -2) } : { verb: 'select', object },
  ),
  traits: [],
  text: 'SELECT …',
  computesOn: { columns, wholeRow },
})

test('relation names are looked up without their schema, each tail of a dotted name too', () => {
  assert.deepEqual(relationNames(action(['App.CV', 'public.a.b'], [])).sort(), [
    'a.b',
    'app.cv',
    'b',
    'cv',
    'public.a.b',
  ])
})

test('a statement computing on something gets what the views it reads carry, named by view', () => {
  const sources = (name: string) => (name === 'cv' ? ['id', 'ssn'] : [])
  const traced = withViewLineage(action(['app.cv'], ['s']), { sources, untracedCall: () => false })
  assert.deepEqual([...(traced.computesOn?.columns ?? [])].sort(), ['id', 's', 'ssn'])
  assert.equal(traced.computesOn?.viaViews?.get('ssn'), 'cv')
  assert.equal(traced.computesOn?.untracedSource, undefined)
})

test('a view whose sources are unknown, or a call that may read anything, marks the statement', () => {
  const unknown = { sources: () => 'unknown' as const, untracedCall: () => false }
  assert.equal(withViewLineage(action(['app.v'], ['x']), unknown).computesOn?.untracedSource, 'view app.v')
  const calls = { sources: () => [], untracedCall: (need: { verb: string }) => need.verb === 'execute' }
  assert.equal(
    withViewLineage(action(['app.t', 'app.f()'], ['x']), calls).computesOn?.untracedSource,
    'function app.f',
  )
})

test('a statement computing on nothing, or reading nothing that carries anything, is left alone', () => {
  const unknown = { sources: () => 'unknown' as const, untracedCall: () => true }
  const plain = action(['app.cv', 'app.f()'], [])
  assert.equal(withViewLineage(plain, unknown), plain)
  const noView = action(['app.t'], ['id'])
  assert.equal(withViewLineage(noView, { sources: () => [], untracedCall: () => false }), noView)
})
