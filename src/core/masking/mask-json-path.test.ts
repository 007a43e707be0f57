// Masking rules addressed by JSON path (`$.customer.email`, `$.items[*].card`): the value at the path is
// masked whole, the same key elsewhere is not, other rules still apply, and a path rule with detectors is a
// configuration error rather than a silent no-op.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maskValue, planMasking, takeMaskCounts } from './masker.ts'
import { compileMaskingRules } from './rules.ts'

const ruleSet = compileMaskingRules({
  rules: [
    { id: 'customer-email', style: 'redact', columns: ['$.customer.email'] },
    { id: 'cards', style: 'redact', columns: ['$.items[*].card'] },
    { id: 'any-ssn', style: 'redact', columns: ['$.*.ssn'] },
    { id: 'pii', style: 'partial', detectors: ['email'] },
  ],
})
const plan = planMasking([{ name: 'body', typeHint: 'json' }], ruleSet, [], 'api')
const mask = (value: unknown) => JSON.parse(maskValue(plan, 0, JSON.stringify(value))!) as unknown

test('the value at a JSON path is masked whole; the same key elsewhere is left to the other rules', () => {
  assert.deepEqual(mask({ customer: { email: 'ada@example.com', name: 'Ada' }, email: 'x' }), {
    customer: { email: '****', name: 'Ada' },
    email: 'x',
  })
  assert.deepEqual(mask({ items: [{ card: 4111, sku: 'a' }, { card: { n: '4111' } }], card: 'kept' }), {
    items: [{ card: '****', sku: 'a' }, { card: '****' }],
    card: 'kept',
  })
  assert.deepEqual(mask({ a: { b: { ssn: '123' } }, ssn: '9' }), { a: { b: { ssn: '****' } }, ssn: '9' })
  const counts = takeMaskCounts(plan)
  assert.equal(counts['body/rule:customer-email'], 1)
  assert.equal(counts['body/rule:cards'], 2)
})

test('detectors still run beside path rules', () => {
  const masked = mask({ note: 'write to grace@example.com' }) as { note: string }
  assert.doesNotMatch(masked.note, /grace@example\.com/)
})

test('a JSON path with detectors is refused at configuration', () => {
  assert.throws(
    () =>
      compileMaskingRules({ rules: [{ id: 'x', style: 'redact', columns: ['$.a'], detectors: ['email'] }] }),
    (error: { detail?: string }) => /JSON path/.test(error.detail ?? ''),
  )
})
