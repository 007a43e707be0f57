import assert from 'node:assert/strict'
import { test } from 'node:test'
import { globMatches } from './glob-match.ts'

test('globMatches agrees with an anchored regular expression on the usual shapes', () => {
  const cases: [string, string, boolean][] = [
    ['sales.*', 'sales.orders', true],
    ['sales.*', 'sales.', true],
    ['sales.*', 'salesx.orders', false],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['*_phone', 'home_phone', true],
    ['*_phone', 'phone', false],
    ['**', 'anything', true],
    ['a*', 'b', false],
  ]
  for (const [glob, text, expected] of cases)
    assert.equal(globMatches(glob, text), expected, `${glob} ~ ${text}`)
})

test('globMatches treats the optional any-character marker as one character', () => {
  assert.equal(globMatches('a?c', 'abc', '?'), true)
  assert.equal(globMatches('a?c', 'ac', '?'), false)
  assert.equal(globMatches('a?c', 'a?c'), true)
  assert.equal(globMatches('a?c', 'abc'), false)
})

test('globMatches agrees with the regular expression it replaces on random globs', () => {
  let seed = 7
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  const alphabet = ['a', 'b', '.', '*']
  for (let i = 0; i < 5000; i++) {
    const glob = Array.from({ length: next(8) }, () => alphabet[next(4)]).join('')
    const text = Array.from({ length: next(8) }, () => alphabet[next(3)]).join('')
    const re = new RegExp(
      `^${glob
        .split('*')
        .map((s) => s.replace(/\./g, '\\.'))
        .join('.*')}$`,
    )
    assert.equal(globMatches(glob, text), re.test(text), `${glob} ~ ${text}`)
  }
})

test('a glob built to make a backtracking regular expression explode matches at once', () => {
  const glob = `sales.${'*a'.repeat(40)}*b`
  const text = `sales.${'a'.repeat(4000)}`
  assert.equal(globMatches(glob, text), false)
  assert.equal(globMatches(glob, `${text}b`), true)
})
