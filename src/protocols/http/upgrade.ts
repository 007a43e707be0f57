// Relays an upgraded connection (WebSocket; SPDY/3.1 and the Kubernetes channel protocols ride the same
// path): the client's upgrade request goes upstream with the headers it was decided with, the upstream's
// 101 goes back verbatim (status line and headers, hop-by-hop ones it needs kept), then bytes flow both ways
// with backpressure until either side closes or the session ends: a WebSocket's as frames that are read,
// recorded and masked (websocket-relay.ts), any other upgrade's untouched. A non-101 answer is refused (502),
// never passed back: its body was not masked, recorded or counted.
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import https from 'node:https'
import { isIP, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { TaskgateError } from '../../core/index.ts'
import { type Upstream, unavailable } from './forward.ts'
import { relayWebSocket, type WebSocketRelayOptions } from './websocket-relay.ts'

export interface UpgradeRelay {
  /** Bytes client → upstream and upstream → client, once the relay ends. */
  readonly done: Promise<{ sent: number; received: number; status: number }>
}

export function relayUpgrade(
  upstream: Upstream,
  input: {
    req: IncomingMessage
    client: Duplex
    head: Buffer
    target: string
    headers: OutgoingHttpHeaders
    signal: AbortSignal
    /** Watches bytes from the client (recording); must not keep references. */
    onClientBytes?: (chunk: Buffer) => void
    onUpstreamBytes?: (chunk: Buffer) => void
    /** A WebSocket upgrade: frames are read, recorded and masked (websocket-relay.ts) instead of spliced. */
    websocket?: Omit<WebSocketRelayOptions, 'signal'>
  },
): Promise<UpgradeRelay> {
  const { origin, options } = upstream
  const send = origin.protocol === 'https:' ? https.request : http.request
  return new Promise((resolve, reject) => {
    const req = send({
      protocol: origin.protocol,
      hostname: origin.hostname,
      port: origin.port || (origin.protocol === 'https:' ? 443 : 80),
      method: input.req.method,
      path: input.target,
      headers: input.headers,
      // A fresh connection: an upgraded socket never returns to the keep-alive pool.
      agent: false,
      ...(origin.protocol === 'https:' ? tlsOptionsOf(upstream) : {}),
      signal: input.signal,
      timeout: options.connectTimeoutMs,
      setHost: false,
    })
    const deadline = setTimeout(
      () => req.destroy(unavailable('no upgrade answer in time', 'timeout')),
      options.responseTimeoutMs,
    )
    req.on('timeout', () => req.destroy(unavailable('could not connect in time', 'timeout')))
    req.on('error', (error) => {
      clearTimeout(deadline)
      reject(error)
    })
    req.on('response', (res) => {
      // The upstream did not switch protocols: most servers answer a request with `Upgrade` as any other, and
      // that answer is a response the gateway neither masked, recorded nor counted. Never relayed.
      clearTimeout(deadline)
      res.destroy()
      reject(
        new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
          message: `The upstream answered ${res.statusCode} instead of switching protocols; that answer is not relayed.`,
          detail: `upgrade answered with ${res.statusCode}`,
        }),
      )
    })
    req.on('upgrade', (res, socket: Socket, upHead: Buffer) => {
      clearTimeout(deadline)
      req.setTimeout(0)
      socket.setTimeout(0)
      socket.setNoDelay(true)
      if (!input.websocket) return resolve({ done: splice(input, res, socket, upHead) })
      // The request offered no extension (request-flow strips Sec-WebSocket-Extensions): an upstream that
      // negotiates one anyway (permessage-deflate) would send frames the gateway cannot read.
      if (res.headers['sec-websocket-extensions'] !== undefined) {
        socket.destroy()
        return reject(unavailable('the upstream negotiated a WebSocket extension it was not offered'))
      }
      input.client.write(statusAndHeaders(res))
      const done = relayWebSocket(
        input.client,
        socket,
        { ...input.websocket, signal: input.signal },
        {
          client: input.head,
          upstream: upHead,
        },
      )
      resolve({ done })
    })
    req.end()
  })
}

function tlsOptionsOf(upstream: Upstream): https.RequestOptions {
  const agentOptions = (upstream.agent as https.Agent).options
  return {
    ...(agentOptions.ca ? { ca: agentOptions.ca } : {}),
    ...(agentOptions.cert ? { cert: agentOptions.cert, key: agentOptions.key } : {}),
    ...(isIP(upstream.origin.hostname) ? {} : { servername: upstream.origin.hostname }),
  }
}

function splice(
  input: Parameters<typeof relayUpgrade>[1],
  res: IncomingMessage,
  upstream: Socket,
  upHead: Buffer,
): Promise<{ sent: number; received: number; status: number }> {
  const { client } = input
  let sent = input.head.length
  let received = upHead.length
  client.write(statusAndHeaders(res))
  if (upHead.length > 0) client.write(upHead)
  if (input.head.length > 0) upstream.write(input.head)
  client.on('data', (chunk: Buffer) => {
    sent += chunk.length
    input.onClientBytes?.(chunk)
  })
  upstream.on('data', (chunk: Buffer) => {
    received += chunk.length
    input.onUpstreamBytes?.(chunk)
  })
  client.pipe(upstream)
  upstream.pipe(client)
  return new Promise((resolve) => {
    let ended = false
    const end = () => {
      if (ended) return
      ended = true
      input.signal.removeEventListener('abort', end)
      client.destroy()
      upstream.destroy()
      resolve({ sent, received, status: 101 })
    }
    client.on('close', end)
    upstream.on('close', end)
    client.on('error', end)
    upstream.on('error', end)
    if (input.signal.aborted) end()
    else input.signal.addEventListener('abort', end, { once: true })
  })
}

/** The response's status line and headers as the upstream sent them (raw names and order kept). */
function statusAndHeaders(res: IncomingMessage): string {
  let text = `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}\r\n`
  for (let i = 0; i < res.rawHeaders.length; i += 2)
    text += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`
  return `${text}\r\n`
}
