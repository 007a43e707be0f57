import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyRequest, reclassifyRecorded, redactQuery } from './classify.ts'

test('method and normalised path are the scope entry; HEAD needs get; unknown methods are unclassified', () => {
  assert.deepEqual(classifyRequest({ method: 'DELETE', path: '/v1/a', query: '' }).needs, [
    { verb: 'delete', object: '/v1/a' },
  ])
  assert.deepEqual(classifyRequest({ method: 'HEAD', path: '/v1/a', query: '' }).needs, [
    { verb: 'get', object: '/v1/a' },
  ])
  assert.match(classifyRequest({ method: 'TRACE', path: '/', query: '' }).unclassified ?? '', /TRACE/)
  assert.match(classifyRequest({ method: 'CONNECT', path: '/', query: '' }).unclassified ?? '', /CONNECT/)
})

test('query parameters and JSON body fields become traits; the recorded text hides secret-looking values', () => {
  const action = classifyRequest({
    method: 'POST',
    path: '/pay',
    query: 'force=true&api_key=s3cret',
    body: { json: { amount: 5, items: [{ sku: 'a' }, { sku: 'b' }], meta: null }, text: '{}' },
  })
  for (const trait of [
    'query:force',
    'query:force=true',
    'body:$.amount=5',
    'body:$.items',
    'body:$.items[*].sku=a',
    'body:$.items[*].sku=b',
    'body:$.meta=null',
  ])
    assert.ok(action.traits.includes(trait), trait)
  assert.doesNotMatch(action.recordText ?? '', /s3cret/)
  assert.equal(redactQuery('a=1&token=x&b'), 'a=1&token=REDACTED&b')
})

test('traits are bounded however large the body', () => {
  const json = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))
  const action = classifyRequest({ method: 'POST', path: '/', query: '', body: { json, text: '{}' } })
  assert.ok(action.traits.length <= 513)
  assert.ok(action.traits.includes('traits-truncated'))
})

test('a recorded request classifies again as it was decided', () => {
  const recorded = 'POST /v1/refunds?force=true\ncontent-type: application/json\n\n{"refund":5}'
  const action = reclassifyRecorded(recorded)
  assert.deepEqual(action.needs, [{ verb: 'post', object: '/v1/refunds' }])
  assert.ok(action.traits.includes('query:force=true'))
  assert.ok(action.traits.includes('body:$.refund=5'))
})

test('a body deeper than rules are checked against is marked truncated', () => {
  let json: unknown = 1
  for (let i = 0; i < 40; i++) json = { a: json }
  const action = classifyRequest({ method: 'POST', path: '/', query: '', body: { json, text: '{}' } })
  assert.ok(action.traits.includes('traits-truncated'))
})

test('a body key path longer than rules are checked against is marked truncated, not copied into traits', () => {
  // Each trait of a path held a copy of it: 512 traits under one 512 KiB key held ~100 MB while the request
  // was decided.
  const json = { [`K${'a'.repeat(512 * 1024)}`]: Array(1000).fill(0) }
  const action = classifyRequest({ method: 'POST', path: '/', query: '', body: { json, text: '{}' } })
  assert.ok(action.traits.includes('traits-truncated'))
  assert.ok(action.traits.every((trait) => trait.length < 2048))
  const fits = classifyRequest({
    method: 'POST',
    path: '/',
    query: '',
    body: { json: { [`K${'a'.repeat(900)}`]: 1 }, text: '{}' },
  })
  assert.ok(fits.traits.includes(`body:$.k${'a'.repeat(900)}=1`))
  assert.ok(!fits.traits.includes('traits-truncated'))
})

test('a method override (header or _method) needs its method too', () => {
  const header = classifyRequest({ method: 'POST', path: '/x', query: '', methodOverride: 'delete' })
  assert.deepEqual(header.needs, [
    { verb: 'post', object: '/x' },
    { verb: 'delete', object: '/x' },
  ])
  const query = classifyRequest({ method: 'POST', path: '/x', query: '_method=PUT' })
  assert.deepEqual(query.needs.at(-1), { verb: 'put', object: '/x' })
  assert.match(
    classifyRequest({ method: 'POST', path: '/x', query: '', methodOverride: 'DELETE, GET' }).unclassified ??
      '',
    /override/,
  )
})

test('`_method` is read as PHP and Rack read it (query spellings) and from a POST body', () => {
  for (const query of ['.method=DELETE', '%20_method=DELETE', '[method=DELETE', 'a=1;_method=DELETE'])
    assert.deepEqual(classifyRequest({ method: 'POST', path: '/x', query }).needs.at(-1), {
      verb: 'delete',
      object: '/x',
    })
  const body = classifyRequest({ method: 'POST', path: '/x', query: '', bodyMethods: ['delete'] })
  assert.deepEqual(body.needs.at(-1), { verb: 'delete', object: '/x' })
  assert.equal(classifyRequest({ method: 'POST', path: '/x', query: 'method=DELETE' }).needs.length, 1)
})

test('a `;` in the query is read both ways: a rule on force=true sees `?a=1;force=true` (Rack 2 splits on it)', () => {
  const { traits } = classifyRequest({ method: 'DELETE', path: '/v1/a', query: 'a=1;force=true' })
  assert.ok(traits.includes('query:force=true'), traits.join(' '))
  assert.ok(traits.includes('query:a=1;force=true'))
})

test('only a WebSocket upgrade is classified: another protocol would pass unread', () => {
  const ws = classifyRequest({ method: 'GET', path: '/feed', query: '', upgrade: 'WebSocket' })
  assert.equal(ws.unclassified, undefined)
  assert.ok(ws.traits.includes('websocket'))
  assert.match(
    classifyRequest({ method: 'GET', path: '/feed', query: '', upgrade: 'h2c' }).unclassified ?? '',
    /upgrade to h2c is not relayed/,
  )
})
