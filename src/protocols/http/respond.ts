// The response side of one forwarded request: streamed to the client as it comes (backpressure through
// pipeline) unless a masking rule applies to the caller and the body is a type masking reads; then it is
// read whole up to `maxMaskBytes`, masked (JSON by key name and detectors, other text by detectors, the
// detectors and rules of src/core/masking), and sent with its new length. A body too large to mask is
// refused, never sent unmasked. The first bytes are kept (masked) as the recording's sample.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { type MaskingContext, maskValue, type SessionHandle, takeMaskCounts } from '../../core/index.ts'
import { ResultBudget } from '../kit/result-budget.ts'
import { maskableType, readBounded } from './bodies.ts'
import { clientResponseHeaders } from './headers.ts'
import { problem, sendProblem } from './problem.ts'

export interface ResponseSummary {
  status: number
  bytes: number
  contentType: string
  /** The first bytes of the body as sent (masked when masking applied), for the recording. */
  sample: string
  masked?: Record<string, number>
  /** Why the body did not reach the client whole, if it did not. */
  error?: string
}

const SAMPLE_BYTES = 512
// Headers describing the upstream's bytes, wrong once the body is masked.
const CONTENT_DESCRIBING = [
  'content-length',
  'etag',
  'content-md5',
  'digest',
  'repr-digest',
  'content-digest',
]

export interface SendOptions {
  masking: MaskingContext | undefined
  maxMaskBytes: number
  headOnly: boolean
  /** The session whose exfiltration budget counts the body's bytes (core decides: warn, hold, end). */
  budget?: { handle: SessionHandle; logger: Logger }
}

export async function sendResponse(
  up: IncomingMessage,
  res: ServerResponse,
  options: SendOptions,
): Promise<ResponseSummary> {
  const status = up.statusCode ?? 502
  const contentType = String(up.headers['content-type'] ?? '')
  const bodyless = options.headOnly || status === 204 || status === 304 || (status >= 100 && status < 200)
  const type = options.masking && !bodyless ? maskableType(up.headers['content-type']) : undefined
  if (type === undefined) return stream(up, res, status, contentType, options.budget)
  const encoding = String(up.headers['content-encoding'] ?? 'identity').toLowerCase()
  if (encoding !== 'identity') {
    up.destroy()
    sendProblem(
      res,
      problem(
        502,
        'TG_RESPONSE_UNMASKABLE',
        `a masking rule applies and the upstream sent a ${encoding}-encoded body`,
      ),
    )
    return { status: 502, bytes: 0, contentType, sample: '', error: 'encoded body under masking' }
  }
  const read = await readBounded(up, options.maxMaskBytes)
  if (read === 'aborted' || 'tooLarge' in read) {
    up.destroy()
    const detail =
      read !== 'aborted'
        ? `a masking rule applies and the response is over clients.maxMaskBytes (${options.maxMaskBytes})`
        : 'the upstream closed the response early'
    sendProblem(res, problem(502, 'TG_RESPONSE_UNMASKABLE', detail))
    return { status: 502, bytes: 0, contentType, sample: '', error: detail }
  }
  const plan = options.masking!.plan([{ name: 'body', typeHint: type }])
  const text = read.bytes.toString('utf8')
  const masked = maskValue(plan, 0, text) ?? 'null'
  const body = Buffer.from(masked, 'utf8')
  if (options.budget && !(await budgetAllows(options.budget.handle, body.length))) {
    res.destroy()
    return { status, bytes: 0, contentType, sample: '', error: 'ended by the exfiltration budget' }
  }
  const headers: OutgoingHttpHeaders = clientResponseHeaders(up.headers, { drop: CONTENT_DESCRIBING })
  headers['content-length'] = body.length
  res.writeHead(status, up.statusMessage, headers)
  res.end(body)
  return {
    status,
    bytes: body.length,
    contentType,
    sample: masked.slice(0, SAMPLE_BYTES),
    masked: takeMaskCounts(plan),
  }
}

/** A whole (masked) body counted before it is sent: a hold waits for the person, an end refuses it. */
async function budgetAllows(handle: SessionHandle, bytes: number): Promise<boolean> {
  const verdict = handle.countResult({ bytes })
  if (!verdict || verdict.action === 'warn') return true
  if (verdict.action === 'end') return false
  return verdict.goOn
}

async function stream(
  up: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  budget: SendOptions['budget'],
): Promise<ResponseSummary> {
  const summary: ResponseSummary = { status, bytes: 0, contentType, sample: '' }
  const sampled: Buffer[] = []
  let sampledBytes = 0
  // A hold or an end stops the relay mid-body (unpiped, so the client's drains cannot restart it).
  const counter =
    budget &&
    new ResultBudget({
      ...budget,
      pause: () => {
        up.unpipe(res)
        up.pause()
      },
      resume: () => void up.pipe(res),
    })
  up.on('data', (chunk: Buffer) => {
    counter?.count({ bytes: chunk.length })
    summary.bytes += chunk.length
    if (sampledBytes < SAMPLE_BYTES) {
      sampled.push(chunk.subarray(0, SAMPLE_BYTES - sampledBytes))
      sampledBytes += Math.min(chunk.length, SAMPLE_BYTES - sampledBytes)
    }
  })
  res.writeHead(status, up.statusMessage, clientResponseHeaders(up.headers))
  const error = await relay(up, res)
  if (error) summary.error = `response cut: ${error}`
  summary.sample = textSample(Buffer.concat(sampled), contentType, up.headers['content-encoding'])
  return summary
}

/** Pipes the upstream body to the client with backpressure; resolves with why it stopped early, if it
 * did. Not stream/promises' pipeline: it builds an AbortController and a DOMException per call, a tenth of
 * the gateway's CPU per small request in a profile. Either side failing destroys the other. */
function relay(up: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false
    const settle = (why: string | undefined) => {
      if (settled) return
      settled = true
      if (why !== undefined) {
        up.destroy()
        res.destroy()
      }
      resolve(why)
    }
    up.on('error', (error) => settle(error.message))
    up.on('aborted', () => settle('the upstream closed the response early'))
    up.on('close', () => {
      if (!up.readableEnded) settle('the upstream closed the response early')
    })
    res.on('error', (error) => settle(error.message))
    res.on('close', () => settle(res.writableFinished ? undefined : 'the client went away'))
    res.on('finish', () => settle(undefined))
    up.pipe(res)
  })
}

/** A recorded sample: text bodies only, values under secret-looking JSON keys replaced. */
function textSample(bytes: Buffer, contentType: string, encoding: string | undefined): string {
  if (bytes.length === 0 || (encoding && encoding !== 'identity')) return ''
  if (maskableType(contentType) === undefined) return `<${bytes.length}+ bytes of ${contentType || 'data'}>`
  return redactSecrets(bytes.toString('utf8'))
}

// Applied to at most SAMPLE_BYTES characters of text: no input can make it slow.
const SECRET_VALUE = /("[\w-]*(?:token|secret|passw|api[_-]?key|private)[\w-]*"\s*:\s*)"[^"]*"?/gi

export function redactSecrets(text: string): string {
  return text.replace(SECRET_VALUE, '$1"REDACTED"')
}
