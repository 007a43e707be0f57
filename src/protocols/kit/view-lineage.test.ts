import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Action } from '../../core/index.ts'
import { relationNames, withViewLineage } from './view-lineage.ts'

const action = (objects: string[], columns: string[], wholeRow = false): Action => ({
  protocol: 'postgres',
  kind: 'SelectStmt',
  needs: objects.map((object) => ({ verb: 'select', object })),
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
  const traced = withViewLineage(action(['app.cv'], ['s']), sources)
  assert.deepEqual([...(traced.computesOn?.columns ?? [])].sort(), ['id', 's', 'ssn'])
  assert.equal(traced.computesOn?.viaViews?.get('ssn'), 'cv')
  assert.equal(traced.computesOn?.untracedView, undefined)
})

test('a view whose sources are unknown marks the statement; one computing on nothing is left alone', () => {
  const unknown = () => 'unknown' as const
  assert.equal(withViewLineage(action(['app.f'], ['x']), unknown).computesOn?.untracedView, 'app.f')
  const plain = action(['app.cv'], [])
  assert.equal(withViewLineage(plain, unknown), plain)
  const noView = action(['app.t'], ['id'])
  assert.equal(
    withViewLineage(noView, () => []),
    noView,
  )
})
