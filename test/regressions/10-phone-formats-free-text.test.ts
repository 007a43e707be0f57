// Issue #10 item 12: in a text column with a neutral name, national phone formats passed unmasked while
// `+1…` forms were caught. The measured version of this is test/masking/faker-corpus.test.ts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maskValue, planMasking } from '../../src/core/masking/masker.ts'
import { compileMaskingRules } from '../../src/core/masking/rules.ts'

test('national phone formats in free text are masked', () => {
  const rules = compileMaskingRules({
    rules: [{ id: 'pii', style: 'redact', detectors: ['phone'] }],
    hashKey: 'k',
  })
  const plan = planMasking([{ name: 'notes', typeHint: 'text' }], rules, ['agents'], 'db')
  for (const number of ['(445) 990-6678', '415.555.0134', '020 7946 0958']) {
    const masked = maskValue(plan, 0, `call ${number} today`)
    assert.equal(masked, 'call **** today', number)
  }
})
