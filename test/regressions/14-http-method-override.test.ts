// A read-only grant must not run a DELETE through a method-override header: Express's method-override,
// Symfony, Google APIs and many gateways run the method X-HTTP-Method-Override (or X-HTTP-Method,
// X-Method-Override) names instead of the request line's. Policy decided `GET`; the header went upstream
// untouched. Real httpbin echoes what arrived.
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

test('a method-override header never reaches the upstream under a decision on another method', async () => {
  const { token } = await g.grant('GET:/anything/*,POST:/anything/*')
  for (const name of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
    for (const method of ['GET', 'POST']) {
      const res = await g.fetch('/anything/invoices/42', token, { method, headers: { [name]: 'DELETE' } })
      const text = await res.text()
      assert.doesNotMatch(text, /DELETE/, `${method} with ${name}: ${res.status} ${text}`)
      if (res.status === 403) assert.match(text, new RegExp(name, 'i'))
    }
  }
})
