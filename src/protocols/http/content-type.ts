// How a body is read for masking and recording, from its content type: JSON (by key, JSON path and
// detectors), text (detectors), binary (passed as it is; recorded as its size and SHA-256, never sampled),
// or, for a type that says neither (none at all, an unknown application/*, multipart), sniffed: text when
// its bytes are UTF-8 without control characters, else binary. A binary body is never decoded and
// re-encoded: that would corrupt it, and masking text inside a protobuf or a zip reads nothing anyway.
import { isJson } from './bodies.ts'

export type BodyReading = 'json' | 'text' | 'binary' | 'sniff'

const TEXT_TYPES = new Set([
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-yaml',
  'application/yaml',
  'application/graphql',
  'application/sql',
  'application/csv',
  'application/x-sh',
  'application/x-httpd-php',
])

const BINARY_TYPES = new Set([
  'application/octet-stream',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'application/x-gzip',
  'application/x-tar',
  'application/x-7z-compressed',
  'application/x-bzip2',
  'application/zstd',
  'application/wasm',
  'application/cbor',
  'application/msgpack',
  'application/x-msgpack',
  'application/protobuf',
  'application/x-protobuf',
  'application/vnd.google.protobuf',
  'application/grpc',
  'application/java-archive',
  'application/vnd.apache.arrow.stream',
  'application/vnd.apache.parquet',
])

export function bodyReading(contentType: string | undefined): BodyReading {
  if (!contentType) return 'sniff'
  if (isJson(contentType)) return 'json'
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+xml') || type.endsWith('+yaml'))
    return 'text'
  if (/^(image|audio|video|font|model)\//.test(type) || BINARY_TYPES.has(type)) return 'binary'
  return 'sniff'
}

/** Whether bytes read as text: UTF-8, no NUL or other C0 control than tab, newlines, form feed and escape.
 * `prefix`: the bytes are the start of a longer body, so a character cut at the end is not an error. */
export function looksLikeText(bytes: Uint8Array, prefix = false): boolean {
  let end = bytes.length
  if (prefix) {
    // Drop a multi-byte character the cut left incomplete (at most 3 bytes of it).
    for (let back = 1; back <= 3 && end - back >= 0; back++) {
      const b = bytes[end - back]!
      if ((b & 0xc0) === 0x80) continue
      const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
      if (size > back) end -= back
      break
    }
  }
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) return false
    if (b === 0x7f) return false
  }
  try {
    STRICT_UTF8.decode(bytes.subarray(0, end))
    return true
  } catch {
    return false
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })
