// stand-in: a small HTTPS server in place of the API server for the container-stream paths only, because the
// real kube-apiserver here has no kubelet behind it and cannot run exec, attach or port-forward. It speaks
// what kubectl and the API server speak on those paths: a pod GET (kubectl reads the pod first), exec over
// WebSocket with the channel subprotocols (`v5.channel.k8s.io`, `v4.channel.k8s.io`: first byte of each
// message is the stream, 0 stdin, 1 stdout, 3 status; v5's 255 closes a stream), exec over SPDY/3.1
// (kube-spdy-exec-stand-in.ts: the frames read and written as the kubelet does), port-forward over WebSocket
// (`SPDY/3.1+portforward.k8s.io`: the handshake, then the bytes echoed unread) and port-forward's SPDY/3.1
// upgrade handshake (echoing the bytes after it, unread), and a followed log (`kubectl logs -f`) written in two parts. It runs `echo ARGS` and `cat` (stdin echoed to stdout) and records
// the identity headers each request arrived with. Named a stand-in in the README.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type http from 'node:http'
import https from 'node:https'
import type net from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'
import { serveSpdyExec } from './kube-spdy-exec-stand-in.ts'
import { selfSignedCertificate } from './start-mariadb.ts'

export interface StreamStandIn extends AsyncDisposable {
  server: string
  caFile: string
  gatewayToken: string
  /** Headers of every request it received (lower-case names). */
  seen: http.IncomingHttpHeaders[]
  /** Pods deleted (`namespace/name`): a GET of one answers 404 from then on. */
  deleted: Set<string>
}

const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io']

/** The discovery documents kubectl reads before an exec (core group only). */
const DISCOVERY: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      {
        name: 'pods',
        singularName: 'pod',
        namespaced: true,
        kind: 'Pod',
        verbs: ['get', 'list'],
        shortNames: ['po'],
      },
      {
        name: 'pods/exec',
        singularName: '',
        namespaced: true,
        kind: 'PodExecOptions',
        verbs: ['create', 'get'],
      },
      {
        name: 'pods/portforward',
        singularName: '',
        namespaced: true,
        kind: 'PodPortForwardOptions',
        verbs: ['create', 'get'],
      },
    ],
  },
  '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0-stand-in' },
}

function pod(namespace: string, name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: 'stand-in' },
    spec: { containers: [{ name: 'c', image: 'stand-in' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'c', ready: true, started: true }] },
  })
}

function exec(ws: WebSocket, argv: string[]): void {
  const send = (channel: number, text: string) =>
    ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]))
  const finish = () => {
    send(3, JSON.stringify({ metadata: {}, status: 'Success' }))
    ws.close(1000)
  }
  if (argv[0] === 'echo') {
    send(1, `${argv.slice(1).join(' ')}\n`)
    finish()
    return
  }
  if (argv[0] === 'cat') {
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0 && data.length > 1) send(1, data.subarray(1).toString())
      // v5: stream 0 closed by the client (kubectl's stdin reached EOF).
      if (data[0] === 255 && data[1] === 0) finish()
    })
    return
  }
  if (argv[0] === 'yes') {
    // `yes WORD`: 64 MiB of `WORD` lines, sent as the client takes them, then Success.
    const block = Buffer.from(`\x01${`${argv[1] ?? 'y'}\n`.repeat(8192)}`)
    let left = 64 * 2 ** 20
    const pump = () => {
      if (ws.readyState !== ws.OPEN) return
      if (left <= 0) return finish()
      left -= block.length - 1
      ws.send(block, (error) => {
        if (!error) pump()
      })
    }
    pump()
    return
  }
  send(2, `stand-in: no such command ${argv[0]}\n`)
  send(3, JSON.stringify({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: 'exit 127' }))
  ws.close(1000)
}

export async function startStreamStandIn(dir: string): Promise<StreamStandIn> {
  const certFile = `${dir}/stand-in.crt`
  const keyFile = `${dir}/stand-in.key`
  await selfSignedCertificate(certFile, keyFile)
  const seen: http.IncomingHttpHeaders[] = []
  const deleted = new Set<string>()
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) =>
      [...offered].find((p) => CHANNEL_PROTOCOLS.includes(p) || p.startsWith('SPDY/3.1+portforward')) ??
      false,
  })
  const server = https.createServer(
    { cert: await readFile(certFile), key: await readFile(keyFile) },
    (req, res) => {
      seen.push(req.headers)
      const path = (req.url ?? '/').split('?')[0]!
      if (req.method === 'GET' && DISCOVERY[path]) {
        res.writeHead(200, { 'content-type': 'application/json' })
        return void res.end(JSON.stringify(DISCOVERY[path]))
      }
      if (req.method === 'GET' && /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/log$/.test(path)) {
        // `kubectl logs -f`: lines written as they come, the response open until the container ends.
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('first line\n')
        setTimeout(() => res.end('second line, later\n'), 300).unref()
        return
      }
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/?]+)$/.exec(path)
      if (req.method === 'GET' && m && deleted.has(`${m[1]}/${m[2]}`)) {
        res.writeHead(404, { 'content-type': 'application/json' })
        const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }
        return void res.end(JSON.stringify(status))
      }
      if (req.method === 'GET' && m) {
        res.writeHead(200, { 'content-type': 'application/json' })
        return void res.end(pod(m[1]!, m[2]!))
      }
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
        }),
      )
    },
  )
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push(req.headers)
    const url = new URL(req.url ?? '/', 'https://stand-in')
    if (String(req.headers.upgrade).toLowerCase() === 'spdy/3.1' && url.pathname.endsWith('/exec'))
      return serveSpdyExec(req, socket, head, url)
    if (String(req.headers.upgrade).toLowerCase() === 'spdy/3.1') {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n',
      )
      socket.pipe(socket)
      return
    }
    if (url.pathname.endsWith('/portforward')) {
      // `SPDY/3.1+portforward.k8s.io` is no valid RFC 6455 token (ws refuses it; Go's server does not): the
      // handshake is answered by hand and the bytes after it echoed, unread.
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64')
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n\r\n`,
      )
      socket.pipe(socket)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => exec(ws, url.searchParams.getAll('command')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    server: `https://127.0.0.1:${port}`,
    caFile: certFile,
    gatewayToken: 'stand-in-gateway-token',
    seen,
    deleted,
    async [Symbol.asyncDispose]() {
      for (const client of wss.clients) client.terminate()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
