import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { maskValue, planMasking, takeMaskCounts } from './masker.ts'
import { compileMaskingRules } from './rules.ts'

const ruleSet = compileMaskingRules({
  rules: [
    { id: 'keys', style: 'redact', columns: ['password'] },
    { id: 'pii', style: 'redact', detectors: ['email', 'card'] },
  ],
  hashKey: 'test-key',
})
const plan = planMasking([{ name: 'doc', typeHint: 'json' }], ruleSet, [], 'db')
const mask = (text: string) => maskValue(plan, 0, text)

// JSON number tokens as RFC 8259 writes them, including ones a JS number would rewrite.
const numberToken = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,25}$/)),
    fc.option(fc.stringMatching(/^[0-9]{1,6}$/)),
    fc.option(
      fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,3}$/)),
    ),
  )
  .map(
    ([minus, int, frac, exp]) =>
      `${minus ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp ? exp.join('') : ''}`,
  )
const space = fc.constantFrom('', ' ', '\n  ', '\t')
const email = fc.constantFrom('jane@example.com', 'ops.team@corp.example.org')

test('numbers, whitespace and unmasked strings leave byte for byte; only the masked strings change', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          space,
          fc.oneof(
            numberToken.map((n) => ({ in: n, out: n })),
            email.map((e) => ({ in: JSON.stringify(e), out: '"****"' })),
            fc
              .constantFrom('"plain"', '"caf\\u00e9 \\"quoted\\""', '"\\ud83d\\ude00"', 'true', 'null')
              .map((s) => ({
                in: s,
                out: s,
              })),
          ),
          space,
        ),
        { maxLength: 12 },
      ),
      (items) => {
        const build = (side: 'in' | 'out') => `[${items.map(([a, t, b]) => a + t[side] + b).join(',')}]`
        assert.equal(mask(build('in')), build('out'))
      },
    ),
  )
})

test('the issue examples: big integers, trailing zeros and exponents survive masking a sibling', () => {
  const doc = '{"id": 12345678901234567890, "price": 1.50, "n": 1e2, "email": "jane@example.com"}'
  assert.equal(mask(doc), '{"id": 12345678901234567890, "price": 1.50, "n": 1e2, "email": "****"}')
})

test('any JSON document without a masked value comes back identical', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, indent) => {
      const text = JSON.stringify(value, null, indent)
      if (/@|password|[0-9]{12}/.test(text)) return
      assert.equal(mask(text), text)
    }),
  )
})

test('keys named by a rule mask their value whole, wherever they sit; null stays null', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), (secret, other) => {
      const doc = { a: [{ password: secret }], b: other }
      const text = JSON.stringify(doc)
      if (/@|password"?:|[0-9]{12}/.test(JSON.stringify(other))) return
      const out = JSON.parse(mask(text)!) as typeof doc
      assert.deepEqual(out.a[0]!.password, secret === null ? null : '****')
      assert.deepEqual(out.b, JSON.parse(JSON.stringify(other) ?? 'null'))
    }),
  )
})

test('escapes and unicode: keys and strings are decoded before they are matched', () => {
  const doc = '{"pass\\u0077ord": 1, "k": "\\ud83d\\ude00 jane\\u0040example.com \\u00e9", "x": "a\\/b"}'
  assert.equal(mask(doc), '{"pass\\u0077ord": "****", "k": "😀 **** é", "x": "a\\/b"}')
  takeMaskCounts(plan)
})

test('malformed JSON never throws and is scanned as text where the walk stopped', () => {
  assert.equal(
    mask('{"password": "x", "a": "jane@example.com", oops'),
    '{"password": "****", "a": "****", oops',
  )
  assert.equal(mask('{"a": "jane@example.com'), '{"a": "****')
  assert.equal(mask('[1, 2,, "jane@example.com"]'), '[1, 2,, "****"]')
  assert.equal(mask('"\\'), '"\\')
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      const out = mask(text)
      assert.ok(out === null || typeof out === 'string')
      if (text.includes('jane@example.com')) assert.ok(!out?.includes('jane@example.com'))
    }),
  )
})

test('a document deeper than the walk goes is cut there, not walked', () => {
  const deep = `{"a": ${'['.repeat(100)}"jane@example.com"${']'.repeat(100)}, "n": 1.50}`
  const out = mask(deep)!
  assert.ok(!out.includes('jane@example.com'))
  assert.ok(out.endsWith(', "n": 1.50}'), out)
  assert.ok(mask(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)!.includes('"****"'))
})
