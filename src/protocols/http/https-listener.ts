// The HTTPS listener of an HTTP-shaped resource (plain APIs, Kubernetes): node's own HTTP/1.1 parser with
// its strict defaults (no lenient parsing: a request with both Content-Length and Transfer-Encoding, two
// different Content-Lengths, or a bare LF is refused before any handler runs), bounded heads (size and
// count), a deadline for the head and one for the whole request (slowloris), and one client's failure kept
// from the process. Requests go to `onRequest`, upgrades (WebSocket, SPDY) to `onUpgrade`.
import type { IncomingMessage, ServerResponse } from 'node:http'
import https from 'node:https'
import type net from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { acceptThroughBalancers } from '../kit/proxy-protocol.ts'
import { MAX_REQUEST_HEADERS } from './headers.ts'
import { problem, problemOnSocket } from './problem.ts'

export interface HttpsListenerOptions {
  listen: {
    host: string
    port: number
    /** Connections from these balancers start with a PROXY protocol header naming the client. */
    proxyProtocol?: { trustedSources: readonly string[] } | undefined
  }
  reusePort?: boolean
  logger: Logger
  cert: string
  key: string
  maxHeaderBytes: number
  headersTimeoutMs: number
  requestTimeoutMs: number
  onRequest(req: IncomingMessage, res: ServerResponse): Promise<void>
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>
}

export class HttpsListener {
  readonly #o: HttpsListenerOptions
  readonly #server: https.Server
  readonly #inFlight = new Set<Promise<void>>()

  constructor(options: HttpsListenerOptions) {
    this.#o = options
    this.#server = https.createServer(
      {
        cert: options.cert,
        key: options.key,
        minVersion: 'TLSv1.2',
        maxHeaderSize: options.maxHeaderBytes,
        headersTimeout: options.headersTimeoutMs,
        requestTimeout: options.requestTimeoutMs,
        // How often node looks for heads and requests past their deadline (its default is 30 s, which would
        // let a slowloris client hold a socket that much longer than headersTimeout says).
        connectionsCheckingInterval: Math.max(250, Math.min(options.headersTimeoutMs / 2, 5000)),
        keepAliveTimeout: 5000,
        noDelay: true,
        highWaterMark: 256 * 1024,
        // A client that opens TLS and sends nothing is dropped after the head deadline too.
        handshakeTimeout: Math.min(options.headersTimeoutMs, 30_000),
      },
      (req, res) => this.#track(options.onRequest(req, res), () => res.destroy()),
    )
    this.#server.maxHeadersCount = MAX_REQUEST_HEADERS
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => {})
      this.#track(options.onUpgrade(req, socket, head), () => socket.destroy())
    })
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
      this.#clientError(error, socket),
    )
    this.#server.on('tlsClientError', (error) => options.logger.debug({ err: error.message }, 'TLS failed'))
    if (options.listen.proxyProtocol)
      acceptThroughBalancers(this.#server, options.listen.proxyProtocol.trustedSources, options.logger)
  }

  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = this.#o.listen
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen({ host, port, reusePort: this.#o.reusePort ?? false }, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    return { host, port: (this.#server.address() as net.AddressInfo).port }
  }

  /** Stops accepting; resolves once requests under way are answered (main.ts bounds the wait). */
  async drain(): Promise<void> {
    if (this.#server.listening) this.#server.close()
    this.#server.closeIdleConnections()
    await Promise.allSettled([...this.#inFlight])
  }

  async close(): Promise<void> {
    const closed = this.#server.listening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : Promise.resolve()
    this.#server.closeAllConnections()
    await closed
  }

  #track(work: Promise<void>, destroy: () => void): void {
    const tracked = work.catch((error: unknown) => {
      // Last line of defence: one request's failure never reaches the process.
      this.#o.logger.error({ err: String(error) }, 'request failed')
      destroy()
    })
    this.#inFlight.add(tracked)
    void tracked.finally(() => this.#inFlight.delete(tracked))
  }

  /** A request node's parser refused: answered as problem+json where the socket can still take it. */
  #clientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    this.#o.logger.debug({ code: error.code }, 'malformed request')
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy()
      return
    }
    const answer =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? problem(431, 'TG_HEADERS_TOO_LARGE', "the request head is over this resource's limit")
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? problem(408, 'TG_REQUEST_TIMEOUT', 'the request was not received in time')
          : problem(
              400,
              'TG_BAD_REQUEST',
              'the request is not valid HTTP/1.1 (refused before any forwarding)',
            )
    socket.end(problemOnSocket(answer))
  }
}
