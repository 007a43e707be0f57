// A grant for one path must not reach another through a path-override header: IIS URL Rewrite and
// Laminas/Zend route on X-Original-URL / X-Rewrite-URL instead of the request line, so a request decided
// on `/anything/public/*` carrying `X-Original-URL: /admin` ran /admin there. The gateway drops them like
// identity headers. Real httpbin echoes the headers that arrived.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type HttpGateway, startHttpGateway } from '../support/start-http-gateway.ts'
import { type Httpbin, startHttpbin } from '../support/start-httpbin.ts'

let upstream: Httpbin
let g: HttpGateway

before(async () => {
  upstream = await startHttpbin()
  g = await startHttpGateway({ upstream: upstream.url })
})
after(async () => {
  await g?.[Symbol.asyncDispose]()
  await upstream?.[Symbol.asyncDispose]()
})

test('path-override headers never reach the upstream', async () => {
  const { token } = await g.grant('GET:/anything/public/*')
  const names = ['X-Original-URL', 'X-Rewrite-URL', 'X-Original-URI', 'X-Envoy-Original-Path']
  const headers = Object.fromEntries(names.map((n) => [n, '/anything/admin/users']))
  const res = await g.fetch('/anything/public/page', token, { headers })
  assert.equal(res.status, 200)
  const echoed = (await res.json()) as { headers: Record<string, string>; url: string }
  assert.match(echoed.url, /\/anything\/public\/page$/)
  for (const name of Object.keys(echoed.headers)) {
    assert.ok(!names.some((n) => n.toLowerCase() === name.toLowerCase()), `${name} reached the upstream`)
  }
  assert.doesNotMatch(JSON.stringify(echoed.headers), /admin/)
})
