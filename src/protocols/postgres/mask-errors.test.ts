import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileMaskingRules, type MaskingRule, maskingContextFor } from '../../core/index.ts'
import { ErrorMasker } from './mask-errors.ts'

const maskerOf = (rules: MaskingRule[]) =>
  new ErrorMasker(maskingContextFor(compileMaskingRules({ rules, hashKey: 'k' }), 'db', ['agents'])!)
const pii = maskerOf([{ id: 'pii', style: 'partial', detectors: ['email', 'card'] }])

function masked(masker: ErrorMasker, fields: Record<string, string>): Record<string, string> {
  const map = new Map(Object.entries(fields))
  masker.mask(map)
  return Object.fromEntries(map)
}

test('a cast error keeps its SQLSTATE and wording; the quoted value is masked', () => {
  const out = masked(pii, {
    S: 'ERROR',
    C: '22P02',
    M: 'invalid input syntax for type integer: "IC-12345678"',
    W: 'COPY customers, line 3, column id: "IC-12345678"\nJSON data, line 1: {"code": "IC-12345678"',
    q: "select 'IC-12345678'::int",
    p: '8',
    P: '12',
  })
  assert.deepEqual(out, {
    S: 'ERROR',
    C: '22P02',
    M: 'invalid input syntax for type integer: "****"',
    W: 'COPY customers, line 3, column id: "****"\nJSON data, line 1: ****',
    P: '12',
  })
  const counts: Record<string, number> = {}
  pii.takeCounts(counts)
  assert.deepEqual(counts, { '(error)/echoed-value': 3 })
})

test('a value with quotes in it is masked from the first quote to the last', () => {
  const out = masked(pii, { C: '22003', M: 'value "9" is "out" of range" for type integer' })
  assert.equal(out.M, 'value "****" for type integer')
})

test('integrity DETAILs: value groups masked, a one-column key the detectors found keeps their style', () => {
  const cases: Array<[string, string]> = [
    ['Key (email)=(jane@example.com) already exists.', 'Key (email)=(j****@*****.com) already exists.'],
    ['Key (code)=(IC-12345678) already exists.', 'Key (code)=(****) already exists.'],
    ['Key (a, b)=(1, jane@example.com) already exists.', 'Key (a, b)=(****) already exists.'],
    [
      'Key (customer_id)=(42) is not present in table "customers".',
      'Key (customer_id)=(****) is not present in table "customers".',
    ],
    [
      'Key (id)=(7) is still referenced from table "orders".',
      'Key (id)=(****) is still referenced from table "orders".',
    ],
    [
      'Key (during)=([1,5)) conflicts with existing key (during)=([2,3)).',
      'Key (during)=(****) conflicts with existing key (during)=(****).',
    ],
    ['Failing row contains (1, IC-12345678, null).', 'Failing row contains (****).'],
    ['Something else: IC-12345678', '(withheld by taskgate: it may contain values masking hides)'],
  ]
  for (const [detail, expected] of cases) {
    const out = masked(pii, {
      C: '23505',
      M: 'duplicate key value violates unique constraint "c_key"',
      D: detail,
    })
    assert.equal(out.D, expected)
    assert.equal(
      out.M,
      'duplicate key value violates unique constraint "c_key"',
      'class 23 names, not values',
    )
  }
})

test('other classes: only what the detectors find', () => {
  const fields = { C: '42703', M: 'column "IC-1" does not exist', H: 'mail jane@example.com' }
  assert.deepEqual(masked(pii, fields), { ...fields, H: 'mail j****@*****.com' })
  const untouched = new Map(Object.entries({ C: '42P01', M: 'relation "x" does not exist' }))
  assert.equal(pii.mask(untouched), false)
})

test('an error of another class is masked when its statement references a masked column; read as sent otherwise', () => {
  const fields = { S: 'ERROR', C: '42P01', M: 'relation "ABC-SECRET" does not exist', q: 'x', p: '1' }
  assert.deepEqual(masked(pii, fields), fields)
  const map = new Map(Object.entries(fields))
  assert.equal(pii.mask(map, true), true)
  assert.deepEqual(Object.fromEntries(map), { S: 'ERROR', C: '42P01', M: 'relation "****" does not exist' })
})
