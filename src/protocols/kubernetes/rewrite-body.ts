// Streams an API response the gateway must read (rewrite-objects.ts) to the client: a whole body is decoded
// once complete (bounded; kubectl's own paging with `--chunk-size` keeps each page small), a watch line by
// line (the server writes one JSON event per line), each event on as soon as it is rewritten. Anything that is
// not JSON, or too large, is never passed on unread: the client gets a Status (or a cut watch).
import type http from 'node:http'
import { TaskgateError } from '../../core/index.ts'
import { failure } from './errors.ts'
import { type ObjectPolicy, rewriteBody, rewriteWatchEvent } from './rewrite-objects.ts'

/** Largest response body decoded (a 500-item page of big objects is a few MiB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024
/** Largest watch event decoded. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024

export interface RewriteOptions {
  policy: ObjectPolicy
  watch: boolean
  headers: http.OutgoingHttpHeaders
}

export function pipeRewritten(
  upstream: http.IncomingMessage,
  res: http.ServerResponse,
  options: RewriteOptions,
  done: (error?: string) => void,
): void {
  const status = upstream.statusCode ?? 502
  const type = String(upstream.headers['content-type'] ?? '')
  if (!type.startsWith('application/json')) {
    upstream.destroy()
    refuse(res, `the API server answered ${type || 'no content type'}, which the gateway cannot filter`)
    done('unreadable response')
    return
  }
  if (options.watch && status === 200) {
    pipeWatch(upstream, res, options, done)
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  upstream.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      upstream.destroy()
      refuse(res, 'the response is too large to filter; page it (kubectl --chunk-size, ?limit=)')
      return done('response too large')
    }
    chunks.push(chunk)
  })
  upstream.on('end', () => {
    if (size > MAX_BODY_BYTES) return
    let body: string
    try {
      body = JSON.stringify(rewriteBody(JSON.parse(Buffer.concat(chunks).toString('utf8')), options.policy))
    } catch {
      refuse(res, 'the API server answered JSON the gateway could not read')
      return done('unreadable response')
    }
    res.writeHead(status, { ...options.headers, 'content-length': Buffer.byteLength(body) })
    res.end(body)
    done()
  })
}

function pipeWatch(
  upstream: http.IncomingMessage,
  res: http.ServerResponse,
  options: RewriteOptions,
  done: (error?: string) => void,
): void {
  res.writeHead(200, options.headers)
  res.flushHeaders()
  const stop = (why: string) => {
    upstream.destroy()
    res.destroy()
    done(why)
  }
  upstream.setEncoding('utf8')
  // An event arriving in many pieces is kept as its pieces and joined once its line ends: searching and
  // re-flattening the whole of it with every piece would be quadratic in its size.
  let pieces: string[] = []
  let pieceLength = 0
  upstream.on('data', (text: string) => {
    let newline = text.indexOf('\n')
    if (newline < 0) {
      pieces.push(text)
      pieceLength += text.length
      if (pieceLength > MAX_EVENT_BYTES) stop('watch event too large')
      return
    }
    let pending = pieces.join('') + text
    newline += pieceLength
    pieces = []
    pieceLength = 0
    while (newline >= 0) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      if (line.trim() !== '' && !writeEvent(res, line, options.policy)) return stop('unreadable watch event')
      newline = pending.indexOf('\n')
    }
    pieces = [pending]
    pieceLength = pending.length
    if (pieceLength > MAX_EVENT_BYTES) stop('watch event too large')
  })
  upstream.on('end', () => {
    const pending = pieces.join('')
    if (pending.trim() !== '' && !writeEvent(res, pending, options.policy))
      return stop('unreadable watch event')
    res.end()
    done()
  })
}

function writeEvent(res: http.ServerResponse, line: string, policy: ObjectPolicy): boolean {
  let event: unknown
  try {
    event = rewriteWatchEvent(JSON.parse(line), policy)
  } catch {
    return false
  }
  if (event !== undefined) res.write(`${JSON.stringify(event)}\n`)
  return true
}

function refuse(res: http.ServerResponse, message: string): void {
  const status = failure(new TaskgateError('TG_UPSTREAM_UNAVAILABLE', { message }))
  const body = JSON.stringify(status)
  if (res.headersSent) return void res.destroy()
  res.writeHead(status.code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}
