// Detectors run on every value of the columns they cover: they must never throw, must return ordered,
// in-bounds, non-overlapping spans, and must stay linear on hostile input (no regex backtracking).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { BUILTIN_DETECTORS } from '../../src/core/masking/detectors/builtin-detectors.ts'
import type { DetectorContext } from '../../src/core/masking/detectors/detector.ts'
import { maskValue, planMasking } from '../../src/core/masking/masker.ts'
import { compileMaskingRules } from '../../src/core/masking/rules.ts'

const contexts: DetectorContext[] = [
  { column: '', hinted: false, idLike: false },
  { column: 'x', hinted: true, idLike: false },
  { column: 'order_id', hinted: false, idLike: true },
]

// Characters the scanners care about, so random strings hit their branches instead of plain letters.
const interesting = fc.constantFrom(
  ...'0123456789abcdefABCDEFXYZ +-.:@_()/=\n'.split(''),
  'eyJ',
  '-----BEGIN ',
  'PRIVATE KEY-----',
  'AKIA',
  'ghp_',
  'xoxb-',
  'sk_live_',
  'DE89',
  '::',
)
const hostileText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(interesting, { maxLength: 80 }).map((a) => a.join('')),
)

test('spans are ordered, in bounds and disjoint; nothing throws', () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      for (const detector of BUILTIN_DETECTORS) {
        for (const context of contexts) {
          const spans = detector.find(text, context)
          let last = 0
          for (const span of spans) {
            assert.ok(
              span.start >= last && span.end > span.start && span.end <= text.length,
              `${detector.id} ${JSON.stringify(text)}`,
            )
            last = span.end
          }
          detector.test(text, context)
        }
      }
    }),
    { numRuns: 400 },
  )
})

test('maskValue never throws and never returns a detected span unchanged', () => {
  const ruleSet = compileMaskingRules({
    rules: [{ id: 'all', style: 'redact', detectors: BUILTIN_DETECTORS.map((d) => d.id) }],
  })
  const plan = planMasking(
    [
      { name: 'notes', typeHint: 'text' },
      { name: 'doc', typeHint: 'json' },
    ],
    ruleSet,
    [],
    'db',
  )
  fc.assert(
    fc.property(hostileText, (text) => {
      const masked = maskValue(plan, 0, text)
      maskValue(plan, 1, text)
      maskValue(plan, 1, JSON.stringify({ note: text, list: [text] }))
      for (const d of BUILTIN_DETECTORS)
        for (const s of d.find(text, contexts[0]!))
          assert.ok(!masked!.includes(text.slice(s.start, s.end)) || s.end - s.start <= 4)
    }),
    { numRuns: 200 },
  )
})

test('linear time on long hostile values', () => {
  const hostile = [
    '1 '.repeat(50_000),
    '4-'.repeat(50_000),
    '@'.repeat(100_000),
    'a.'.repeat(50_000),
    'a@b.'.repeat(25_000),
    ':'.repeat(100_000),
    'ab:'.repeat(33_000),
    '1.'.repeat(50_000),
    'eyJ.'.repeat(25_000),
    '-----BEGIN '.repeat(9_000),
    '+1 '.repeat(33_000),
    'DE89 '.repeat(20_000),
    'AKIA'.repeat(25_000),
    'xoxb-'.repeat(20_000),
    '123-45-'.repeat(14_000),
  ]
  for (const text of hostile) {
    for (const detector of BUILTIN_DETECTORS) {
      const start = performance.now()
      detector.find(text, contexts[1]!)
      const ms = performance.now() - start
      // A quadratic scan of 100,000 characters takes minutes; 5 s leaves room for a loaded CI machine.
      assert.ok(ms < 5000, `${detector.id} took ${ms.toFixed(0)} ms on ${JSON.stringify(text.slice(0, 12))}…`)
    }
  }
})
