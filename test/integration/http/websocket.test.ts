// WebSocket through the HTTP engine: the upgrade request is decided like a GET (scope, guardrails, the
// `websocket` trait), then frames flow both ways untouched until either side closes. Upstream and client
// are the `ws` library's real server and client.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import WebSocket, { WebSocketServer } from 'ws'
import { type HttpGateway, startHttpGateway } from '../../support/start-http-gateway.ts'

describe('websocket through an http resource', () => {
  let server: WebSocketServer
  let g: HttpGateway
  let ca: string
  const seenHeaders: Array<Record<string, string | string[] | undefined>> = []

  before(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await once(server, 'listening')
    server.on('connection', (socket, req) => {
      seenHeaders.push(req.headers)
      socket.on('message', (data, binary) =>
        socket.send(binary ? data : `echo:${data.toString()}`, { binary }),
      )
    })
    const port = (server.address() as AddressInfo).port
    process.env.TG_TEST_WS_TOKEN = 'upstream-ws-token'
    g = await startHttpGateway({
      upstream: `http://127.0.0.1:${port}`,
      resourceExtra: '      credential: { type: bearer, token: { env: TG_TEST_WS_TOKEN } }',
    })
    ca = await readFile(g.caFile, 'utf8')
  })
  after(async () => {
    await g?.[Symbol.asyncDispose]()
    server?.close()
  })

  const open = (path: string, token: string) =>
    new WebSocket(`wss://127.0.0.1:${g.port}${path}`, {
      ca,
      headers: { authorization: `Bearer ${token}`, cookie: 'sid=1' },
    })

  it('relays text and binary frames both ways with the upstream credential in the upgrade', async () => {
    const { token } = await g.grant('GET:/feed/*')
    const ws = open('/feed/%6Eews', token)
    await once(ws, 'open')
    ws.send('hello')
    const [text] = await once(ws, 'message')
    assert.equal(String(text), 'echo:hello')
    const big = Buffer.alloc(300_000, 7)
    ws.send(big)
    const [binary] = await once(ws, 'message')
    assert.equal((binary as Buffer).length, big.length)
    ws.close()
    await once(ws, 'close')
    const headers = seenHeaders.at(-1)!
    assert.equal(headers.authorization, 'Bearer upstream-ws-token')
    assert.equal(headers.cookie, undefined)
  })

  it('refuses an upgrade outside the scope with 403 problem+json', async () => {
    const { token } = await g.grant('GET:/feed/*')
    const ws = open('/admin/stream', token)
    ws.on('error', () => {})
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage]
    assert.equal(res.statusCode, 403)
    assert.equal(res.headers['content-type'], 'application/problem+json')
    let body = ''
    for await (const chunk of res) body += chunk
    assert.equal((JSON.parse(body) as { missingScope: string }).missingScope, 'get:/admin/stream')
    ws.terminate()
  })

  it('closes the relayed socket when the grant ends', async () => {
    const { token, grant } = await g.grant('GET:/feed/*')
    const ws = open('/feed/live', token)
    await once(ws, 'open')
    const closed = once(ws, 'close')
    await g.gateway.core.endGrant(g.agent, grant.id)
    await closed
  })
})
