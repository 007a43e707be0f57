// An upgrade the upstream does not take (most HTTP servers answer a request carrying `Upgrade: websocket` as
// any other) had its answer piped back to the client as it came: a GET with WebSocket headers read any
// granted path with no masking, no recording of the body and nothing counted toward the exfiltration budget.
// The upstream here is a real Node HTTP server with no upgrade handler, as an Express API is.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { rawExchange } from '../support/raw-tls.ts'
import { type HttpGateway, startHttpGateway } from '../support/start-http-gateway.ts'

const EMAIL = 'alice.unmasked@example.com'
let server: http.Server
let g: HttpGateway

before(async () => {
  server = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ customer: { email: EMAIL } }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  g = await startHttpGateway({
    upstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    extraConfig: `
masking:
  rules:
    - id: pii
      style: redact
      detectors: [email]`,
  })
})
after(async () => {
  await g?.[Symbol.asyncDispose]()
  server?.close()
})

test('an upstream answer that is not 101 to an upgrade never reaches the client unmasked', async () => {
  const { token } = await g.grant('GET:/v1/*')
  const plain = await g.fetch('/v1/customers', token)
  assert.equal(plain.status, 200)
  assert.doesNotMatch(await plain.text(), /alice\.unmasked/, 'masked as an ordinary GET')
  const upgrade = await rawExchange(g.port, await readFile(g.caFile, 'utf8'), [
    `GET /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
  ])
  assert.doesNotMatch(upgrade.text, /alice\.unmasked/)
  assert.equal(upgrade.status, 502, upgrade.text)
  assert.match(upgrade.text, /application\/problem\+json/)
  assert.match(upgrade.text, /instead of switching protocols/)
})
