// WebSocket through the HTTP engine: the upgrade request is decided like a GET (scope, guardrails, the
// `websocket` trait), then every frame is read both ways: messages are recorded (text masked and capped,
// binary as sizes), the server's text masked live when a masking rule applies, its bytes counted toward the
// budget, and the grant's end closes the socket with a close frame 1008. Upstream and client are the `ws`
// library's real server and client (the client offers permessage-deflate, which the upstream would accept).
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket, { WebSocketServer } from 'ws'
import type { Principal } from '../../../src/core/index.ts'
import { type HttpGateway, startHttpGateway } from '../../support/start-http-gateway.ts'

const admin: Principal = {
  id: 'sa:admin',
  kind: 'admin',
  name: 'admin',
  groups: ['taskgate-admins'],
  via: 'service-account',
}

describe('websocket through an http resource', () => {
  let server: WebSocketServer
  let plain: HttpGateway
  let masked: HttpGateway
  const seenHeaders: Array<Record<string, string | string[] | undefined>> = []

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true })
    await once(server, 'listening')
    server.on('connection', (socket, req) => {
      seenHeaders.push(req.headers)
      socket.on('message', (data, binary) =>
        socket.send(binary ? data : `echo:${data.toString()}`, { binary }),
      )
    })
    const port = (server.address() as AddressInfo).port
    process.env.TG_TEST_WS_TOKEN = 'upstream-ws-token'
    const resourceExtra = '      credential: { type: bearer, token: { env: TG_TEST_WS_TOKEN } }'
    plain = await startHttpGateway({ upstream: `http://127.0.0.1:${port}`, resourceExtra })
    masked = await startHttpGateway({
      upstream: `http://127.0.0.1:${port}`,
      resourceExtra,
      policyExtra: '    budget: { bytes: { end: 100000 } }',
      extraConfig: `
masking:
  rules:
    - id: pii
      style: redact
      detectors: [email]`,
    })
  })
  after(async () => {
    await plain?.[Symbol.asyncDispose]()
    await masked?.[Symbol.asyncDispose]()
    server?.close()
  })

  const open = async (g: HttpGateway, path: string, token: string) =>
    new WebSocket(`wss://127.0.0.1:${g.port}${path}`, {
      ca: await readFile(g.caFile, 'utf8'),
      headers: { authorization: `Bearer ${token}`, cookie: 'sid=1' },
    })
  const next = async (ws: WebSocket) => {
    const [data, binary] = (await once(ws, 'message')) as [Buffer, boolean]
    return binary ? data : data.toString()
  }
  /** The session's recorded actions once the relay's summary is in (the relay ends after the close). */
  const recorded = async (g: HttpGateway, grantId: string) => {
    for (let i = 0; i < 200; i++) {
      const [session] = await g.gateway.core.listSessions(admin, { grantId })
      const actions = session ? (await g.gateway.core.getSession(admin, session.id)).actions : []
      if (actions.some((a) => a.kind === 'websocket end')) return actions
      await sleep(50)
    }
    throw new Error('the websocket summary was never recorded')
  }

  it('relays and records text, fragmented and binary messages, with the upstream credential and no extension', async () => {
    const { token, grant } = await plain.grant('GET:/feed/*')
    const ws = await open(plain, '/feed/%6Eews', token)
    await once(ws, 'open')
    ws.send('hello')
    assert.equal(await next(ws), 'echo:hello')
    ws.send('frag', { fin: false })
    ws.send('ment', { fin: true })
    assert.equal(await next(ws), 'echo:fragment')
    const big = Buffer.alloc(300_000, 7)
    ws.send(big)
    assert.deepEqual(await next(ws), big)
    ws.close(1000, 'done')
    await once(ws, 'close')
    const headers = seenHeaders.at(-1)!
    assert.equal(headers.authorization, 'Bearer upstream-ws-token')
    assert.equal(headers.cookie, undefined)
    assert.equal(headers['sec-websocket-extensions'], undefined, 'permessage-deflate is not offered upstream')
    assert.equal(ws.extensions, '', 'so none is negotiated')
    const actions = await recorded(plain, grant.id)
    const texts = actions.map((a) => `${a.kind}|${a.text}`)
    assert.ok(texts.includes('websocket text|client → text 5 bytes\nhello'), texts.join('\n'))
    assert.ok(texts.includes('websocket text|← server text 10 bytes\necho:hello'))
    assert.ok(texts.includes('websocket text|client → text 8 bytes\nfragment'), 'a fragmented message is one')
    assert.ok(texts.includes('websocket binary|client → binary 300000 bytes'))
    assert.ok(texts.includes('websocket binary|← server binary 300000 bytes'))
    assert.ok(texts.includes('websocket close|client → close 1000 done'))
    assert.ok(texts.some((t) => t.startsWith('websocket end|GET /feed/news: 3 messages (300013 bytes)')))
    assert.doesNotMatch(JSON.stringify(actions), new RegExp(token.split('.')[1]!))
  })

  it('refuses an upgrade outside the scope with 403 problem+json', async () => {
    const { token } = await plain.grant('GET:/feed/*')
    const ws = await open(plain, '/admin/stream', token)
    ws.on('error', () => {})
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage]
    assert.equal(res.statusCode, 403)
    assert.equal(res.headers['content-type'], 'application/problem+json')
    let body = ''
    for await (const chunk of res) body += chunk
    assert.equal((JSON.parse(body) as { missingScope: string }).missingScope, 'get:/admin/stream')
    ws.terminate()
  })

  it('closes the relayed socket with 1008 and the reason when the grant ends', async () => {
    const { token, grant } = await plain.grant('GET:/feed/*')
    const ws = await open(plain, '/feed/live', token)
    await once(ws, 'open')
    const closed = once(ws, 'close') as Promise<[number, Buffer]>
    await plain.gateway.core.endGrant(plain.agent, grant.id)
    const [code, reason] = await closed
    assert.equal(code, 1008)
    assert.match(reason.toString(), /^taskgate: /)
  })

  it('masks the server text messages live and in the recording when a masking rule applies', async () => {
    const { token, grant } = await masked.grant('GET:/feed/*')
    const ws = await open(masked, '/feed/pii', token)
    await once(ws, 'open')
    ws.send('write to ada@example.com', { fin: false })
    ws.send(' today')
    const echoed = String(await next(ws))
    assert.doesNotMatch(echoed, /ada@example\.com/)
    assert.match(echoed, /^echo:write to .+ today$/)
    ws.send(Buffer.from('ada@example.com'))
    assert.equal((await next(ws)).toString(), 'ada@example.com', 'binary messages pass as they are')
    ws.close()
    await once(ws, 'close')
    const actions = await recorded(masked, grant.id)
    const all = JSON.stringify(actions)
    assert.doesNotMatch(all, /ada@example\.com/)
    assert.ok(actions.some((a) => a.kind === 'websocket text' && a.text.startsWith('client → text 30 bytes')))
  })

  it('counts what the server sends toward the budget: past `end` the grant ends and the socket closes', async () => {
    const { token } = await masked.grant('GET:/feed/*')
    const ws = await open(masked, '/feed/bulk', token)
    await once(ws, 'open')
    const closed = once(ws, 'close') as Promise<[number, Buffer]>
    ws.on('message', () => {})
    for (let i = 0; i < 4; i++) ws.send(Buffer.alloc(40_000, 1))
    const [code] = await closed
    // 1006 when the end came mid-frame (no close frame can be slipped inside one).
    assert.ok(code === 1008 || code === 1006, `closed with ${code}`)
    const after = await masked.fetch('/feed/x', token)
    assert.equal(((await after.json()) as { code: string }).code, 'TG_GRANT_NOT_ACTIVE', 'the grant ended')
  })
})
