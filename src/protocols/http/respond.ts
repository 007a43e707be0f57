// The response side of one forwarded request: streamed to the client as it comes (backpressure through
// pipeline) unless a masking rule applies to the caller and the body's type reads as text
// (content-type.ts: JSON, text, or sniffed as text); then it is read whole up to `maxMaskBytes`, masked
// (JSON by key name and detectors, other text by detectors, the detectors and rules of src/core/masking), and
// sent with its new length. A body too large to mask is refused, never sent unmasked. The recording keeps
// the first bytes of a text body (masked when masking applied) and only the size and SHA-256 of a binary or
// content-encoded one.
import { createHash } from 'node:crypto'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import {
  type MaskingContext,
  maskSecrets,
  maskValue,
  type SessionHandle,
  takeMaskCounts,
} from '../../core/index.ts'
import { ResultBudget } from '../kit/result-budget.ts'
import { readBounded } from './bodies.ts'
import { type BodyReading, bodyReading, looksLikeText } from './content-type.ts'
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
  const reading = bodyReading(up.headers['content-type'])
  if (!options.masking || bodyless || reading === 'binary')
    return stream(up, res, status, contentType, reading, options.budget)
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
  // A body whose type says neither text nor binary and whose bytes are not text passes as it is.
  if (reading === 'sniff' && !looksLikeText(read.bytes)) return sendWhole(up, res, read.bytes, options)
  const plan = options.masking.plan([{ name: 'body', typeHint: reading === 'json' ? 'json' : 'text' }])
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

/** A whole body read for masking that turned out binary: sent unchanged, recorded as size and digest. */
async function sendWhole(
  up: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  options: SendOptions,
): Promise<ResponseSummary> {
  const status = up.statusCode ?? 502
  const contentType = String(up.headers['content-type'] ?? '')
  if (options.budget && !(await budgetAllows(options.budget.handle, body.length))) {
    res.destroy()
    return { status, bytes: 0, contentType, sample: '', error: 'ended by the exfiltration budget' }
  }
  const headers: OutgoingHttpHeaders = clientResponseHeaders(up.headers)
  headers['content-length'] = body.length
  res.writeHead(status, up.statusMessage, headers)
  res.end(body)
  const digest = createHash('sha256').update(body).digest('hex')
  return { status, bytes: body.length, contentType, sample: binarySample(body.length, contentType, digest) }
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
  reading: BodyReading,
  budget: SendOptions['budget'],
): Promise<ResponseSummary> {
  const summary: ResponseSummary = { status, bytes: 0, contentType, sample: '' }
  const sampled: Buffer[] = []
  let sampledBytes = 0
  const encoding = up.headers['content-encoding']
  const encoded = encoding !== undefined && encoding !== 'identity'
  // What may be recorded as binary is digested as it passes (never kept): json and text bodies are not.
  const hash = encoded || reading === 'binary' || reading === 'sniff' ? createHash('sha256') : undefined
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
    hash?.update(chunk)
    if (sampledBytes < SAMPLE_BYTES) {
      sampled.push(chunk.subarray(0, SAMPLE_BYTES - sampledBytes))
      sampledBytes += Math.min(chunk.length, SAMPLE_BYTES - sampledBytes)
    }
  })
  res.writeHead(status, up.statusMessage, clientResponseHeaders(up.headers))
  const error = await relay(up, res)
  if (error) summary.error = `response cut: ${error}`
  const prefix = Buffer.concat(sampled)
  const binary = encoded || reading === 'binary' || (reading === 'sniff' && !looksLikeText(prefix, true))
  if (summary.bytes === 0) summary.sample = ''
  else if (binary && hash)
    summary.sample = binarySample(summary.bytes, contentType, hash.digest('hex'), encoding)
  else summary.sample = redactSecrets(prefix.toString('utf8'))
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

/** What the recording keeps of a binary body: its size, type and SHA-256, never its bytes. */
function binarySample(bytes: number, contentType: string, sha256: string, encoding?: string): string {
  return `<${bytes} bytes of ${contentType || 'unlabelled data'}${encoding ? `, ${encoding}-encoded` : ''}, sha256 ${sha256}>`
}

// Applied to at most SAMPLE_BYTES characters of text: no input can make it slow.
const SECRET_VALUE =
  /("[\w-]*(?:token|secret|pass|pwd|jwt|credential|bearer|assertion|cookie|api[_-]?key|private)[\w-]*"\s*:\s*)"[^"]*"?/gi

export function redactSecrets(text: string): string {
  // Then what the secret detectors find under any name (a JWT the upstream echoes, a cloud key).
  return maskSecrets(text.replace(SECRET_VALUE, '$1"REDACTED"'))
}
