// One POST of a batch, shared by the webhook and OTLP sinks, with the answer sorted into delivered, refused
// (the receiver said no) and outage (nobody answered). node:https rather than fetch: a receiver's own CA
// (`caFile`) is a per-request option there.
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { SinkDeliveryError } from '../audit-sink.ts'

export interface HttpPostOptions {
  url: string
  /** PEM CA that signed the receiver's certificate; the system's CAs when absent. */
  ca?: string
  timeoutMs: number
}

export interface HttpPoster {
  /** Resolves with the 2xx answer's body (at most MAX_ANSWER_BYTES of it). */
  post(body: string, headers: Record<string, string>): Promise<string>
  close(): Promise<void>
}

/** Receivers answer small; more than this of a body is not kept (OTLP's partialSuccess fits easily). */
const MAX_ANSWER_BYTES = 64 * 1024

export function createHttpPoster(options: HttpPostOptions): HttpPoster {
  const url = new URL(options.url)
  const secure = url.protocol === 'https:'
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) })
    : new HttpAgent({ keepAlive: true })
  const request = secure ? httpsRequest : httpRequest
  return {
    post: (body, headers) =>
      new Promise((resolve, reject) => {
        const req = request(url, {
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal: AbortSignal.timeout(options.timeoutMs),
        })
        req.once('error', reject)
        req.once('response', (response) => {
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk)
          })
          response.once('error', reject)
          response.once('end', () => {
            const status = response.statusCode ?? 0
            // Redirects are refused like any non-2xx: they would carry the log where nobody configured.
            if (status >= 200 && status < 300) return resolve(Buffer.concat(chunks).toString('utf8'))
            const retryable = status === 429 || status >= 500
            reject(new SinkDeliveryError(`HTTP ${status}`, { refused: true, final: !retryable }))
          })
        })
        req.end(body)
      }),
    close: async () => agent.destroy(),
  }
}
