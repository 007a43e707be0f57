import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nestedQuantifierProblem } from './regex-safety.ts'

test('patterns whose repeated groups repeat inside are refused', () => {
  for (const source of ['(a+)+', '(\\w+\\s?)*$', '(a|aa)+', '((ab)*)+', '(x*){2,}', '(?:a+b?)*c'])
    assert.ok(nestedQuantifierProblem(source), source)
})

test('ordinary patterns pass', () => {
  for (const source of [
    '\\bdrop\\s+table\\b',
    '^delete\\s+from\\s+\\w+$',
    '(a+)',
    '(ab)+',
    '[(+*]+',
    '\\(a+\\)+',
    'ACC-\\d{6,10}',
    '(?:abc){1,3}',
    '(a|b)',
    '(a+)?',
  ])
    assert.equal(nestedQuantifierProblem(source), undefined, source)
})
