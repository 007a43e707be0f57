import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LinearRegExp, linearRegExpProblem } from './linear-regexp.ts'

test('case-insensitive matching survives the linear engine, escapes keep their meaning', () => {
  const re = new LinearRegExp('DELETE\\s+FROM\\s+[A-Z_]+\\D', 'i')
  assert.equal(re.test('delete  from Payments;'), true)
  assert.equal(re.test('DELETE FROM 123'), false)
  assert.equal(new LinearRegExp('abc').test('ABC'), false)
})

test('a pattern that explodes when backtracking runs in linear time', () => {
  const re = new LinearRegExp('delete.*from.*where', 'i')
  assert.equal(re.test('delete from '.repeat(50_000)), false)
  assert.equal(new LinearRegExp('(a+)+b').test('a'.repeat(100_000)), false)
})

test('what the linear engine cannot run is named', () => {
  assert.match(linearRegExpProblem('(a)\\1') ?? '', /backreferences and lookahead/)
  assert.match(linearRegExpProblem('a(?=b)') ?? '', /backreferences and lookahead/)
  assert.match(linearRegExpProblem('a', 'u') ?? '', /u flag/)
  assert.match(linearRegExpProblem('(') ?? '', /not a valid regular expression/)
  assert.equal(linearRegExpProblem('EMP-\\d{6}', 'i'), undefined)
})
