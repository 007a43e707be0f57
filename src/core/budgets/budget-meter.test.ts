import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BudgetMeter } from './budget-meter.ts'

test('each threshold is crossed once, strongest first, and a stronger one implies the weaker', () => {
  const meter = new BudgetMeter({ rows: { warn: 10, hold: 20, end: 30 }, tables: { warn: 1 } })
  meter.addRead({ rows: 10 })
  assert.equal(meter.nextCrossing(), undefined, 'at the threshold is not over it')
  meter.addRead({ rows: 1, bytes: 999 })
  assert.deepEqual(meter.nextCrossing(), { metric: 'rows', level: 'warn', used: 11, threshold: 10 })
  assert.equal(meter.nextCrossing(), undefined)
  meter.addRead({ rows: 100 })
  assert.deepEqual(meter.nextCrossing(), { metric: 'rows', level: 'end', used: 111, threshold: 30 })
  assert.equal(meter.nextCrossing(), undefined, 'hold is implied by end')
  meter.addStatement([
    { verb: 'select', object: 'public.a' },
    { verb: 'update', object: 'public.a' },
    { verb: 'select', object: 'public.b' },
  ])
  assert.deepEqual(meter.usage, { rows: 111, bytes: 999, statements: 1, tables: 2 })
  assert.deepEqual(meter.nextCrossing(), { metric: 'tables', level: 'warn', used: 2, threshold: 1 })
  assert.deepEqual(meter.crossed.sort(), ['rows:end', 'rows:hold', 'rows:warn', 'tables:warn'])
})

test('distinct names are remembered only up to just past the highest tables threshold', () => {
  const meter = new BudgetMeter({ tables: { end: 3 } })
  meter.addStatement(Array.from({ length: 50 }, (_, i) => ({ verb: 'select', object: `t${i}` })))
  assert.equal(meter.usage.tables, 4)
})
