import assert from 'node:assert/strict'
import { test } from 'node:test'
import { objectMatches } from './grants/scope.ts'
import { pathGlobMatches } from './path-glob-match.ts'

test('`*` matches within one segment, `**` any number of whole segments', () => {
  const cases: [string, string, boolean][] = [
    ['/v1/invoices/*', '/v1/invoices/42', true],
    ['/v1/invoices/*', '/v1/invoices/42/refund', false],
    ['/v1/invoices/*', '/v1/invoices', false],
    ['/v1/invoices/*', '/v1/invoices/', false],
    ['/v1/invoices/*/lines', '/v1/invoices/42/lines', true],
    ['/v1/invoices/*/lines', '/v1/invoices/42/43/lines', false],
    ['/v1/invoices/inv-*', '/v1/invoices/inv-', true],
    ['/v1/invoices/inv-*', '/v1/invoices/inv-7/x', false],
    ['/v1/**', '/v1', true],
    ['/v1/**', '/v1/', true],
    ['/v1/**', '/v1/a/b/c', true],
    ['/v1/**', '/v10/a', false],
    ['/v1/**/refund', '/v1/refund', true],
    ['/v1/**/refund', '/v1/invoices/42/refund', true],
    ['/v1/**/refund', '/v1/invoices/42/refund/x', false],
    ['/v1/**/invoices/*', '/v1/a/invoices/b/invoices/42', true],
    ['/**/secret', '/a/b/secret', true],
    ['/**', '/', true],
    ['/*', '/', false],
    ['/v1/a**b', '/v1/aXb', true],
    ['/v1/a**b', '/v1/aX/b', false],
    ['/v1/invoices', '/v1/invoices/', false],
    ['/v1/invoices/', '/v1/invoices', false],
    ['/v1/invoices/', '/v1/invoices/', true],
    // An encoded slash is not a separator here; the HTTP engine refuses such targets before policy.
    ['/v1/invoices/*', '/v1/invoices/1%2Frefund', true],
  ]
  for (const [glob, path, expected] of cases)
    assert.equal(pathGlobMatches(glob, path), expected, `${glob} ~ ${path}`)
})

test('objectMatches reads a pattern starting with / as a path glob, other objects as plain globs', () => {
  assert.equal(objectMatches('/v1/*', '/v1/a/b'), false)
  assert.equal(objectMatches('/v1/**', '/v1/a/b'), true)
  assert.equal(objectMatches('sales.*', 'sales.a/b'), true)
  assert.equal(objectMatches('*', '/anything/at/all'), true)
})

// A reference by recursion over segments (exponential, fine for tiny inputs).
function reference(globs: string[], segments: string[]): boolean {
  if (globs.length === 0) return segments.length === 0
  const [head, ...rest] = globs
  if (head === '**') return segments.some((_, i) => reference(rest, segments.slice(i))) || reference(rest, [])
  if (segments.length === 0) return false
  const seg = segments[0]!
  const re = new RegExp(`^${head!.replaceAll('.', '\\.').replaceAll('*', '[^/]*')}$`)
  const one = head === '*' ? seg !== '' : re.test(seg)
  return one && reference(rest, segments.slice(1))
}

function random(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
}

test('pathGlobMatches agrees with a recursive reference on random globs and paths', () => {
  const next = random(11)
  const globParts = ['a', 'b', '*', '**', 'a*', '']
  const pathParts = ['a', 'b', 'ab', 'ba', '']
  for (let i = 0; i < 5000; i++) {
    const glob = `/${Array.from({ length: next(5) }, () => globParts[next(globParts.length)]).join('/')}`
    const path = `/${Array.from({ length: next(6) }, () => pathParts[next(pathParts.length)]).join('/')}`
    const expected = reference(glob.split('/'), path.split('/'))
    assert.equal(pathGlobMatches(glob, path), expected, `${glob} ~ ${path}`)
  }
})

test('a pattern covered by another never matches a path the cover misses (ceilings)', () => {
  const next = random(5)
  const parts = ['a', '*', '**', 'a*', 'b']
  const paths = Array.from(
    { length: 300 },
    () => `/${Array.from({ length: next(5) }, () => ['a', 'b', 'ab', 'x'][next(4)]).join('/')}`,
  )
  for (let i = 0; i < 3000; i++) {
    const make = () => `/${Array.from({ length: 1 + next(4) }, () => parts[next(parts.length)]).join('/')}`
    const outer = make()
    const inner = make()
    if (!pathGlobMatches(outer, inner)) continue
    for (const p of paths)
      if (pathGlobMatches(inner, p))
        assert.ok(pathGlobMatches(outer, p), `${outer} covers ${inner} but not ${p}`)
  }
  assert.equal(pathGlobMatches('/v1/*', '/v1/**'), false)
  assert.equal(pathGlobMatches('/v1/**', '/v1/*/x'), true)
})

test('a crafted glob against a long path finishes (no backtracking blow-up)', () => {
  const glob = `/${'**/a/'.repeat(40)}b`
  const path = `/${'a/'.repeat(8000)}c`
  assert.equal(pathGlobMatches(glob, path), false)
  assert.equal(pathGlobMatches(`/${'*a*a*a*a'.repeat(10)}b`, `/${'a'.repeat(16_000)}`), false)
})
