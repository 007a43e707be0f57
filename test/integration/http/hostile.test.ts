// Hostile clients against the HTTP engine, with raw bytes over TLS (no client library resolving paths or
// fixing framing): path tricks as they arrive on the wire, request smuggling shapes (duplicate
// Content-Length, Content-Length with Transfer-Encoding, odd transfer codings, obs-fold), oversized heads,
// and slowloris-style slow heads and bodies. Nothing here may reach the upstream as a request policy did
// not see.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { firstJsonBody, rawExchange } from '../../support/raw-tls.ts'
import { type HttpGateway, startHttpGateway } from '../../support/start-http-gateway.ts'
import { type Httpbin, startHttpbin } from '../../support/start-httpbin.ts'

describe('http resource against hostile clients', () => {
  let upstream: Httpbin
  let g: HttpGateway
  let ca: string
  let token: string

  before(async () => {
    upstream = await startHttpbin()
    g = await startHttpGateway({
      upstream: upstream.url,
      resourceExtra: '    clients: { headersTimeout: 1s, requestTimeout: 2s, maxHeaderBytes: 8192 }',
      extraConfig: `
guardrails:
  - id: no-secret-paths
    description: secrets are not read through the gateway
    action: deny
    resources: [$RES]
    match: { needs: ["get:/anything/secret*/**"] }`,
    })
    ca = await readFile(g.caFile, 'utf8')
    ;({ token } = await g.grant('GET:/anything/public/*,GET:/anything/secret*/**,POST:/anything/*'))
  })
  after(async () => {
    await g?.[Symbol.asyncDispose]()
    await upstream?.[Symbol.asyncDispose]()
  })

  const get = (target: string, extra = '') =>
    `GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${extra}Connection: close\r\n\r\n`

  it('decides dot segments and escapes as they arrive on the wire', async () => {
    for (const target of [
      '/anything/public/../private',
      '/anything/public/%2e%2e/private',
      '/anything/public/.%2E/private',
      '/anything/public/..;x=1/private',
    ]) {
      const r = await rawExchange(g.port, ca, [get(target)])
      assert.equal(r.status, 403, target)
      assert.equal(firstJsonBody(r.text).missingScope, 'get:/anything/private', target)
    }
  })

  it('applies a deny guardrail on a path however it is encoded (/%67et passing a /get rule)', async () => {
    for (const target of [
      '/anything/secret',
      '/anything/%73ecret',
      '/anything/%73%65cret/x',
      '/anything/public/../secret',
    ]) {
      const r = await rawExchange(g.port, ca, [get(target)])
      assert.equal(r.status, 403, target)
      assert.equal(firstJsonBody(r.text).rule, 'guardrail:no-secret-paths', target)
    }
  })

  it('forwards the normalised target, never the raw one', async () => {
    const r = await rawExchange(g.port, ca, [get('/anything/public/x/../%79')])
    assert.equal(r.status, 200)
    assert.match(String(firstJsonBody(r.text).url), /\/anything\/public\/y$/)
  })

  it('drops hop-by-hop headers, those Connection names, and identity headers; says who called', async () => {
    const r = await rawExchange(g.port, ca, [
      get(
        '/anything/public/h',
        'X-Drop-Me: 1\r\nConnection: x-drop-me\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Taskgate-Grant: forged\r\nX-Forwarded-For: 6.6.6.6\r\nX-Keep: 1\r\n',
      ),
    ])
    assert.equal(r.status, 200)
    const headers = firstJsonBody(r.text).headers as Record<string, string>
    for (const gone of ['X-Drop-Me', 'Keep-Alive', 'Te', 'Authorization'])
      assert.equal(headers[gone], undefined, gone)
    assert.equal(headers['X-Keep'], '1')
    assert.match(headers['X-Taskgate-Grant'] ?? '', /^g/)
    assert.notEqual(headers['X-Taskgate-Grant'], 'forged')
    // httpbin hides X-Forwarded-For and reads it into `origin`: the forged address never arrives.
    assert.equal(firstJsonBody(r.text).origin, '127.0.0.1')
  })

  it('denies absolute-form and asterisk targets', async () => {
    for (const target of [`http://127.0.0.1:${g.port}/anything/public/x`, '*']) {
      const r = await rawExchange(g.port, ca, [get(target)])
      assert.ok(r.status === 403 || r.status === 400, `${target}: ${r.status}`)
    }
  })

  it('refuses request smuggling shapes before any handler', async () => {
    const head = `POST /anything/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`
    const shapes = [
      `${head}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
      `${head}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /anything/secret HTTP/1.1\r\n\r\n`,
      `${head}Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
      `${head}Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
      `${head}Content-Length: 5\r\n Content-Length: 6\r\n\r\nhello`,
      `${head}Content-Length : 5\r\n\r\nhello`,
      `${head}Content-Length: -5\r\n\r\nhello`,
    ]
    for (const shape of shapes) {
      const r = await rawExchange(g.port, ca, [shape])
      assert.equal(r.status, 400, shape)
      assert.match(r.text, /application\/problem\+json/)
      assert.equal(r.text.match(/^HTTP\/1\.1 \d{3}/gm)?.length, 1, 'one answer: nothing smuggled behind it')
    }
  })

  it('answers 431 to a head over the limit', async () => {
    const r = await rawExchange(g.port, ca, [get('/anything/public/x', `X-Big: ${'a'.repeat(10_000)}\r\n`)])
    assert.equal(r.status, 431)
    assert.match(r.text, /TG_HEADERS_TOO_LARGE/)
  })

  it('drops a client that sends its head too slowly (slowloris)', async () => {
    const parts: Array<string | { pauseMs: number }> = []
    for (const ch of get('/anything/public/x')) parts.push(ch, { pauseMs: 40 })
    const r = await rawExchange(g.port, ca, parts, { idleMs: 8000 })
    assert.equal(r.closed, true)
    assert.notEqual(r.status, 200)
  })

  it('drops a client that sends its body too slowly and never completes the request upstream', async () => {
    const head = `POST /anything/slow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\n`
    const parts: Array<string | { pauseMs: number }> = [head]
    for (let i = 0; i < 60; i++) parts.push('a', { pauseMs: 100 })
    const r = await rawExchange(g.port, ca, parts, { idleMs: 8000 })
    assert.equal(r.closed, true)
    assert.notEqual(r.status, 200)
  })
})
