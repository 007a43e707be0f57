// Bounded body reading for policy and masking: a request body is read whole only when a body rule is in
// force and it is JSON of a declared or discovered size within the limit; a response body only when a
// masking rule applies and its type is one masking reads. Past a limit the caller gets `too-large` and
// denies (request) or refuses (response): never an unread part forwarded as if inspected.
import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'

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

/** Response types masking reads: JSON by key and detectors, other text by detectors. Binary media pass. */
export function maskableType(contentType: string | undefined): 'json' | 'text' | undefined {
  if (isJson(contentType)) return 'json'
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (/^(image|audio|video|font)\//.test(type)) return undefined
  if (type === 'application/octet-stream' || type === 'application/pdf' || type === 'application/zip')
    return undefined
  // Unlabelled, text/*, XML, NDJSON, form data: scanned as text (fail closed on what could carry values).
  return 'text'
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
