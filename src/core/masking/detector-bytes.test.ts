import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { BUILTIN_DETECTOR_IDS } from './detectors/builtin-detectors.ts'
import { maskValue, maskValueBytes, planMasking, type ResultColumn, takeMaskCounts } from './masker.ts'
import { compileMaskingRules } from './rules.ts'

// The byte form of a detector scan must give what the text path gives, byte for byte and count for count,
// or -1 (and count nothing) so the text path takes the value.
const columns: ResultColumn[] = [
  { name: 'email', typeHint: 'text' },
  { name: 'card', typeHint: 'text' },
  { name: 'notes', typeHint: 'text' },
  { name: 'ssn', typeHint: 'text' },
]
const plans = (['partial', 'redact', 'hash', 'null'] as const).map((style) =>
  planMasking(
    columns,
    compileMaskingRules({
      hashKey: 'k',
      rules: [
        { id: 'e', style, columns: ['email'], detectors: ['email'] },
        { id: 'c', style, columns: ['card'], detectors: ['card'] },
        { id: 'n', style, columns: ['notes'], detectors: [...BUILTIN_DETECTOR_IDS] },
        { id: 's', style, columns: ['ssn'], detectors: ['ssn', 'phone'] },
      ],
    }),
    [],
    'db',
  ),
)
const pieces = fc.constantFrom(
  ...'0123456789abcXYZ +-.@_é'.split(''),
  'jane@example.com',
  '4111 1111 1111 1111',
  '378282246310005',
  '123-45-6789',
  '+44 20 7946 0958',
  'DE89 3704 0044 0532 0130 00',
  '10.1.2.3',
)
const values = fc.array(pieces, { maxLength: 8 }).map((p) => p.join(''))

test('bytes and text give the same mask and the same counts', () => {
  fc.assert(
    fc.property(values, fc.nat(3), fc.nat(3), (value, p, column) => {
      const plan = plans[p]!
      const src = Buffer.from(`[${value}]`)
      const dst = Buffer.alloc(src.length + 64)
      const length = maskValueBytes(plan, column, src, 1, src.length - 1, dst, 2)
      const counts = takeMaskCounts(plan)
      const expected = maskValue(plan, column, value)
      const expectedCounts = takeMaskCounts(plan)
      if (length === -1) return assert.deepEqual(counts, {})
      assert.equal(dst.toString('utf8', 2, 2 + length), expected)
      assert.deepEqual(counts, expectedCounts)
    }),
    { numRuns: 3000 },
  )
})
