// A POST grant must not run a DELETE through a `_method` the upstream reads from somewhere other than the
// request line: Rack's MethodOverride (every Rails app) reads it from a form or multipart body, or from a
// body with no type (Rack parses it as a form); Symfony and Laravel from `$_POST` and the query (PHP reads
// `.method` and ` _method` as `_method`), Laravel from a JSON body too. Only the query's exact `_method`
// was read; the rest reached the upstream under a decision on POST. Real httpbin echoes what arrived.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { httpbinGatewayForFile } from '../support/httpbin-gateway.ts'
import { firstJsonBody, rawExchange } from '../support/raw-tls.ts'

const g = httpbinGatewayForFile({
  resourceExtra: '    clients: { maxInspectBytes: 4096 }',
})

const form = 'application/x-www-form-urlencoded'

test('a `_method` in a POST body or a PHP spelling of it needs its method in the grant', async () => {
  const { token } = await g.grant('POST:/anything/*')
  const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
    ['form body', '/anything/x', { 'content-type': form }, 'a=1&_method=DELETE'],
    ['encoded form name', '/anything/x', { 'content-type': form }, '%5Fmethod=DELETE'],
    ['PHP form name', '/anything/x', { 'content-type': form }, '.method=DELETE'],
    ['JSON body', '/anything/x', { 'content-type': 'application/json' }, '{"_method":"DELETE"}'],
    ['escaped JSON key', '/anything/x', { 'content-type': 'application/json' }, '{"\\u005fmethod":"DELETE"}'],
    [
      'multipart',
      '/anything/x',
      { 'content-type': 'multipart/form-data; boundary=b' },
      '--b\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--b--\r\n',
    ],
    ['PHP query .method', '/anything/x?.method=DELETE', {}, undefined],
    ['PHP query %20_method', '/anything/x?%20_method=DELETE', {}, undefined],
    ['Rack query ;', '/anything/x?a=1;_method=DELETE', {}, undefined],
    ['too large to read', '/anything/x', { 'content-type': form }, `a=${'x'.repeat(5000)}&_method=DELETE`],
  ]
  for (const [name, path, headers, body] of cases) {
    const res = await g.fetch(path, token, {
      method: 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
    })
    const text = await res.text()
    assert.equal(res.status, 403, `${name}: ${res.status} ${text.slice(0, 200)}`)
    const problem = JSON.parse(text) as { rule: string; missingScope?: string }
    if (name === 'too large to read' || name === 'multipart') assert.equal(problem.rule, 'unclassified', name)
    else assert.equal(problem.missingScope, 'delete:/anything/x', name)
  }
  // fetch gives every body a type: the untyped one goes raw.
  const untyped = await rawExchange(g.port, await readFile(g.caFile, 'utf8'), [
    `POST /anything/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 14\r\nConnection: close\r\n\r\n_method=DELETE`,
  ])
  assert.equal(untyped.status, 403, untyped.text)
  assert.equal(firstJsonBody(untyped.text).missingScope, 'delete:/anything/x')
  // The same bodies without an override still pass, and a granted override runs.
  const plain = await g.fetch('/anything/x', token, {
    method: 'POST',
    headers: { 'content-type': form },
    body: 'a=1&method=x',
  })
  assert.equal(plain.status, 200)
  assert.deepEqual(((await plain.json()) as { form: unknown }).form, { a: '1', method: 'x' })
  const { token: both } = await g.grant('POST:/anything/*,DELETE:/anything/*')
  const granted = await g.fetch('/anything/x', both, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"_method":"DELETE"}',
  })
  assert.equal(granted.status, 200)
  assert.equal(((await granted.json()) as { data: string }).data, '{"_method":"DELETE"}')
})
