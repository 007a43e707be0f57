import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { normalizeTarget, UnnormalizablePath } from './normalize-path.ts'

const path = (target: string, parameters: 'strip' | 'reject' = 'strip') =>
  normalizeTarget(target, parameters).path

describe('normalizeTarget', () => {
  it('decodes escapes of unreserved characters and upper-cases the rest', () => {
    assert.equal(path('/%67et'), '/get')
    assert.equal(path('/%67%45t'), '/gEt')
    assert.equal(path('/a%7eb%2d'), '/a~b-')
    assert.equal(path('/a%20b%3a'), '/a%20b%3A')
    assert.equal(path('/caf%c3%a9'), '/caf%C3%A9')
  })
  it('resolves dot segments, encoded ones included, and collapses empty segments', () => {
    assert.equal(path('/a/./b/../c'), '/a/c')
    assert.equal(path('/a/%2e/b/%2E%2e/c'), '/a/c')
    assert.equal(path('/a/.%2e/c'), '/c')
    assert.equal(path('//a///b'), '/a/b')
    assert.equal(path('/a/b/..'), '/a/')
    assert.equal(path('/a/b/'), '/a/b/')
    assert.equal(path('/'), '/')
  })
  it('strips ; parameters (or refuses them) before dot segments', () => {
    assert.equal(path('/admin;x=1/users'), '/admin/users')
    assert.equal(path('/public/..;/admin'), '/admin')
    assert.equal(path('/a;b'), '/a')
    assert.throws(() => path('/a;b', 'reject'), UnnormalizablePath)
  })
  it('refuses what has more than one reading', () => {
    for (const bad of [
      '/a%2Fb',
      '/a%2fb',
      '/a%5Cb',
      '/a\\b',
      '/a%00b',
      '/a%0ab',
      '/a%zz',
      '/a%4',
      '/..',
      '/a/../..',
      '/%2e%2e/x',
      '/a%252Fb',
      'http://evil/x',
      '*',
      'x',
      '/a#b',
      '/a b',
      '/é',
      `/${'a/'.repeat(300)}`,
    ]) {
      assert.throws(() => normalizeTarget(bad), UnnormalizablePath, bad)
    }
  })
  it('keeps the query as sent, checking its escapes', () => {
    assert.deepEqual(normalizeTarget('/a?x=%2F&y=1'), { path: '/a', query: 'x=%2F&y=1' })
    assert.deepEqual(normalizeTarget('/a?'), { path: '/a', query: '' })
    assert.throws(() => normalizeTarget('/a?x=%G1'), UnnormalizablePath)
    assert.throws(() => normalizeTarget('/a?x=<y>'), UnnormalizablePath)
  })
})
