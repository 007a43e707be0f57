// The upstream side of the HTTP engine: each kind of injected credential (header and bearer and basic
// against httpbin's own checks, an mTLS client certificate against a Node HTTPS server that requires one),
// streamed responses (httpbin's /drip arrives in pieces, not buffered whole), chunked uploads, and the
// deadlines: a slow upstream is 504, an unreachable one 502, both problem+json.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { freePort } from '../../support/console.ts'
import { type HttpGateway, startHttpGateway } from '../../support/start-http-gateway.ts'
import { type Httpbin, startHttpbin } from '../../support/start-httpbin.ts'
import { selfSignedCertificate } from '../../support/start-mariadb.ts'

describe('http upstream credentials, streaming and deadlines', () => {
  let upstream: Httpbin
  const gateways: HttpGateway[] = []
  const start = async (resourceExtra: string, url = upstream.url, policyExtra = '') => {
    const g = await startHttpGateway({ upstream: url, resourceExtra, policyExtra })
    gateways.push(g)
    return g
  }

  before(async () => {
    upstream = await startHttpbin()
    process.env.TG_TEST_BASIC_PW = 'pw-7'
    process.env.TG_TEST_BEARER = 'upstream-bearer-1'
  })
  after(async () => {
    for (const g of gateways) await g[Symbol.asyncDispose]()
    await upstream?.[Symbol.asyncDispose]()
  })

  it('injects basic auth the upstream checks, replacing whatever the client sent', async () => {
    const g = await start('      credential: { type: basic, user: u1, password: { env: TG_TEST_BASIC_PW } }')
    const { token } = await g.grant('GET:/basic-auth/*/*')
    const res = await g.fetch('/basic-auth/u1/pw-7', token)
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { authenticated: true, user: 'u1' })
  })

  it('injects a bearer token the upstream checks', async () => {
    const g = await start('      credential: { type: bearer, token: { env: TG_TEST_BEARER } }')
    const { token } = await g.grant('GET:/bearer')
    const res = await g.fetch('/bearer', token)
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { token: string }).token, 'upstream-bearer-1')
  })

  it('presents the gateway client certificate to an upstream that requires one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tg-mtls-'))
    try {
      await selfSignedCertificate(join(dir, 'server.crt'), join(dir, 'server.key'))
      await selfSignedCertificate(join(dir, 'client.crt'), join(dir, 'client.key'))
      const server = https.createServer(
        {
          cert: await readFile(join(dir, 'server.crt')),
          key: await readFile(join(dir, 'server.key')),
          ca: await readFile(join(dir, 'client.crt')),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (req, res) =>
          res.end(
            JSON.stringify({
              subject: (req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN,
            }),
          ),
      )
      server.listen(0, '127.0.0.1')
      await once(server, 'listening')
      const port = (server.address() as AddressInfo).port
      const g = await start(
        `      caFile: ${join(dir, 'server.crt')}\n      credential: { type: mtls, cert: ${join(dir, 'client.crt')}, key: ${join(dir, 'client.key')} }`,
        `https://127.0.0.1:${port}`,
      )
      const { token } = await g.grant('GET:/*')
      const res = await g.fetch('/whoami', token)
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { subject: 'localhost' })
      server.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('streams a response as the upstream sends it', async () => {
    const g = await start('')
    const { token } = await g.grant('GET:/drip')
    const res = await g.fetch('/drip?numbytes=4&duration=2&delay=0&code=200', token)
    assert.equal(res.status, 200)
    let pieces = 0
    let bytes = 0
    for await (const chunk of res.body!) {
      pieces++
      bytes += (chunk as Uint8Array).length
    }
    assert.equal(bytes, 4)
    assert.ok(pieces > 1, `the body arrived in ${pieces} piece(s): it was not held back until complete`)
  })

  it('streams a chunked upload (to a Node HTTP server: Werkzeug refuses chunked requests with 501)', async () => {
    const server = http.createServer(async (req, res) => {
      let body = ''
      for await (const chunk of req) body += chunk
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ data: body, te: req.headers['transfer-encoding'] ?? null }))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const g = await start('', `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    const { token } = await g.grant('POST:/anything/*')
    const upload = await g.fetch('/anything/upload', token, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: Readable.toWeb(Readable.from(['part1-', 'part2-', 'part3'])) as ReadableStream,
      duplex: 'half',
    } as RequestInit)
    assert.equal(upload.status, 200)
    assert.deepEqual(await upload.json(), { data: 'part1-part2-part3', te: 'chunked' })
    server.close()
  })

  it('answers 504 when the upstream is slower than responseTimeout and 502 when it is unreachable', async () => {
    const slow = await start('      responseTimeout: 1s')
    const { token } = await slow.grant('GET:/delay/*')
    const late = await slow.fetch('/delay/4', token)
    assert.equal(late.status, 504)
    assert.equal(late.headers.get('content-type'), 'application/problem+json')
    const down = await start('', `http://127.0.0.1:${await freePort()}`)
    const other = await down.grant('GET:/*')
    const refused = await down.fetch('/x', other.token)
    assert.equal(refused.status, 502)
    assert.equal(((await refused.json()) as { code: string }).code, 'TG_UPSTREAM_UNAVAILABLE')
  })

  it('counts response bytes against the exfiltration budget: past `end` the grant ends mid-response', async () => {
    const g = await start('', upstream.url, '    budget: { bytes: { end: 30000 } }')
    const { token } = await g.grant('GET:/bytes/*,GET:/stream-bytes/*')
    const first = await g.fetch('/bytes/20000', token)
    assert.equal(first.status, 200)
    assert.equal((await first.arrayBuffer()).byteLength, 20000)
    const second = await g.fetch('/stream-bytes/60000?chunk_size=1000', token)
    const received = await second.arrayBuffer().then(
      (b) => b.byteLength,
      () => -1,
    )
    assert.notEqual(received, 60000, 'the body past the threshold is not relayed whole')
    let after = 200
    for (let i = 0; i < 100 && after === 200; i++) {
      after = (await g.fetch('/bytes/10', token)).status
      if (after === 200) await new Promise((r) => setTimeout(r, 50))
    }
    assert.ok(after === 401 || after === 403, `the grant ended: its token no longer works (${after})`)
  })
})
