// Bounded body reading for policy and masking: a request body is read whole only when a body rule is in
// force and it is JSON of a declared or discovered size within the limit; a response body only when a
// masking rule applies and its type is one masking reads. Past a limit the caller gets `too-large` and
// denies (request) or refuses (response): never an unread part forwarded as if inspected.
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import { formPairs } from '../../core/index.ts'
import { phpName } from './classify.ts'

export type ReadResult = { bytes: Buffer } | { tooLarge: Buffer } | 'aborted'

/** Reads `stream` to its end, up to `max` bytes. Past that: `tooLarge` with the bytes read so far (the
 * first chunk past the limit included), the stream left paused for whoever forwards the rest. */
export function readBounded(stream: Readable, max: number, signal?: AbortSignal): Promise<ReadResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (result: ReadResult) => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.off('close', onClose)
      signal?.removeEventListener('abort', onError)
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      chunks.push(chunk)
      if (size > max) {
        stream.pause()
        done({ tooLarge: Buffer.concat(chunks, size) })
      }
    }
    const onEnd = () => done({ bytes: Buffer.concat(chunks, size) })
    const onError = () => done('aborted')
    const onClose = () => {
      if (!stream.readableEnded) done('aborted')
    }
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.on('close', onClose)
    signal?.addEventListener('abort', onError, { once: true })
  })
}

/** Whether a request carries a body at all (RFC 9112 §6.3: a length or a transfer coding). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0'
}

export function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}

/** The bytes already read for inspection, then the rest of the stream: what goes upstream when an
 * inspection stopped at its limit. */
export function prefixed(prefix: Buffer, rest: Readable): Readable {
  return Readable.from(
    (async function* () {
      yield prefix
      for await (const chunk of rest) yield chunk as Buffer
    })(),
    { objectMode: false },
  )
}

/** The request bodies body rules read: JSON, and HTML form fields (read as an object of strings). */
export function bodyKind(contentType: string | undefined): 'json' | 'form' | undefined {
  if (isJson(contentType)) return 'json'
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/x-www-form-urlencoded' ? 'form' : undefined
}

/** Whether a request's body may carry a `_method` the upstream runs instead of POST: Rack's MethodOverride
 * (Rails) reads form and multipart bodies, and bodies without a type, which Rack parses as a form;
 * Symfony and Laravel read `$_POST` and Laravel a JSON body too; Express method-override is POST-only
 * by default as they all are. */
export function mayCarryMethodOverride(method: string, contentType: string | undefined): boolean {
  if (method !== 'POST') return false
  if (contentType === undefined || bodyKind(contentType) !== undefined) return true
  return contentType.split(';')[0]!.trim().toLowerCase() === 'multipart/form-data'
}

/** The `_method` values a whole POST body carries as its upstream reads it, or undefined when the body has
 * no single reading: JSON that does not parse once (PHP's json_decode may read it), or a multipart body
 * naming `_method` in any spelling (its part headers are not parsed here). */
export function bodyMethodOverrides(contentType: string | undefined, bytes: Buffer): string[] | undefined {
  const kind = contentType === undefined ? 'form' : bodyKind(contentType)
  if (kind === undefined) return /[ ._[]method/i.test(bytes.toString('latin1')) ? undefined : []
  const text = bytes.toString('utf8')
  // formFields also files each field under its PHP name (`.method` is `_method` there).
  if (kind === 'form') return [formFields(text)._method ?? []].flat()
  // A key is `_method` only if the text says `method`, or escapes a letter of it.
  if (!text.includes('method') && !text.includes('\\')) return []
  const json = parseJsonOnce(text)
  if (json === undefined) return undefined
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return []
  const value = (json as Record<string, unknown>)._method
  return typeof value === 'string' ? [value] : value === undefined ? [] : undefined
}

/** A JSON document as policy reads it, or undefined when it is not JSON or repeats a key in an object:
 * JSON.parse keeps the last of `{"force":true,"force":false}`, some upstream parsers the first, so such a
 * body has two readings and is not read at all (fail closed). */
export function parseJsonOnce(text: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return keyTokens(text) === keysIn(value) ? value : undefined
}

/** How many object keys the text writes: string tokens followed by a colon. */
function keyTokens(text: string): number {
  let count = 0
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x22) continue
    let j = i + 1
    while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1
    let k = j + 1
    while (k < text.length && (text[k] === ' ' || text[k] === '\n' || text[k] === '\r' || text[k] === '\t'))
      k++
    if (text[k] === ':') count++
    i = j
  }
  return count
}

/** How many keys the parsed value holds, all levels (iterative: any depth is safe). */
function keysIn(value: unknown): number {
  let count = 0
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    // One push per value: spreading a 400 000-element array (a 1 MiB body) as arguments overflows the stack.
    if (Array.isArray(v)) for (const item of v) stack.push(item)
    else {
      const entries = Object.values(v)
      count += entries.length
      for (const entry of entries) stack.push(entry)
    }
  }
  return count
}

/** Form fields as policy reads them: `a=1&a=2&b=x` is `{ a: ['1', '2'], b: 'x' }` (names and values
 * decoded as the upstream decodes them). */
export function formFields(text: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>
  // A repeated name's list grows in place: a copy per value made `a&a&a…` quadratic (a 128 KiB body took 30 s
  // of CPU, the 1 MiB inspection limit most of an hour).
  const add = (name: string, value: string) => {
    const held = fields[name]
    if (held === undefined) fields[name] = value
    else if (Array.isArray(held)) held.push(value)
    else fields[name] = [held, value]
  }
  for (const [name, value] of formPairs(text)) {
    add(name, value)
    // PHP's `$_POST` reads `dry.run` as `dry_run` (classify.ts phpName): a rule on either sees it.
    const php = phpName(name)
    if (php !== name) add(php, value)
  }
  return fields
}
