// The upstream side of an HTTP-shaped resource: a keep-alive pool toward the real API (TLS verified against
// the system CAs or `caFile`, optionally with the gateway's client certificate), one forwarded request with
// its body streamed (backpressure both ways through pipeline), deadlines for connecting and for the response
// head, and cancellation when the client leaves or the grant ends. node:http rather than
// Not @fastify/reply-from: the path must go out exactly as policy saw it (normalize-path.ts) with no router or
// URL parser of another library in between, and upgrades (WebSocket, SPDY for Kubernetes) need the raw
// sockets anyway.
import { readFileSync } from 'node:fs'
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import type { Readable } from 'node:stream'
import { TaskgateError } from '../../core/index.ts'

export interface UpstreamOptions {
  /** Origin of the upstream, e.g. `https://api.internal:8443`. */
  url: string
  caFile?: string
  /** The gateway's client certificate toward the upstream (mTLS). */
  clientCert?: { cert: string; key: string }
  connectTimeoutMs: number
  responseTimeoutMs: number
  maxSockets: number
}

export interface Upstream {
  readonly origin: URL
  /** The `Host` header the upstream expects. */
  readonly host: string
  readonly agent: http.Agent
  readonly options: UpstreamOptions
  close(): void
}

export function createUpstream(options: UpstreamOptions): Upstream {
  const origin = new URL(options.url)
  const secure = origin.protocol === 'https:'
  const common = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    maxFreeSockets: 64,
    scheduling: 'lifo' as const,
    // Set once per upstream socket (net.connect's option) rather than per request.
    noDelay: true,
  }
  const agent = secure
    ? new https.Agent({
        ...common,
        ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
        ...(options.clientCert ? { cert: options.clientCert.cert, key: options.clientCert.key } : {}),
        // SNI carries host names only (RFC 6066).
        ...(isIP(origin.hostname) ? {} : { servername: origin.hostname }),
      })
    : new http.Agent(common)
  return { origin, host: origin.host, agent, options, close: () => agent.destroy() }
}

export interface ForwardInput {
  method: string
  /** Normalised path plus `?query`: exactly what policy decided on. */
  target: string
  headers: OutgoingHttpHeaders
  /** The client's body, streamed; or the bytes already read for inspection; or nothing. */
  body: Readable | Buffer | undefined
  signal: AbortSignal
}

/** Sends one request upstream and resolves with the response head (its body still to be read). Rejects
 * with TG_UPSTREAM_UNAVAILABLE (connect failure, deadline, reset) or the signal's abort. */
export function forwardRequest(upstream: Upstream, input: ForwardInput): Promise<IncomingMessage> {
  const { origin, agent, options } = upstream
  const send = origin.protocol === 'https:' ? https.request : http.request
  return new Promise((resolve, reject) => {
    const req = send({
      protocol: origin.protocol,
      hostname: origin.hostname,
      port: origin.port || (origin.protocol === 'https:' ? 443 : 80),
      method: input.method,
      path: input.target,
      headers: input.headers,
      agent,
      signal: input.signal,
      timeout: options.connectTimeoutMs,
      setHost: false,
    })
    const responseDeadline = setTimeout(() => {
      req.destroy(unavailable('the upstream did not answer in time', 'timeout'))
    }, options.responseTimeoutMs)
    // The socket timeout covers connecting; once connected the response deadline rules.
    req.on('timeout', () => req.destroy(unavailable('could not connect to the upstream in time', 'timeout')))
    req.on('response', (res) => {
      clearTimeout(responseDeadline)
      req.setTimeout(0)
      resolve(res)
    })
    req.on('error', (error) => {
      clearTimeout(responseDeadline)
      reject(error instanceof TaskgateError || input.signal.aborted ? error : unavailable(error.message))
    })
    if (input.body === undefined) req.end()
    else if (Buffer.isBuffer(input.body)) req.end(input.body)
    else {
      input.body.pipe(req)
      input.body.on('error', (error) => req.destroy(error))
      input.body.on('aborted', () => req.destroy(unavailable('the client went away')))
    }
  })
}

export function unavailable(detail: string, kind: 'timeout' | 'failure' = 'failure'): TaskgateError {
  return new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
    message:
      kind === 'timeout' ? 'The upstream did not answer in time.' : 'The upstream could not be reached.',
    detail,
  })
}

/** Whether a failure is a deadline (504) rather than a refusal (502). */
export function isTimeout(error: unknown): boolean {
  return error instanceof TaskgateError && error.message === 'The upstream did not answer in time.'
}
