import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bodyReading, looksLikeText } from './content-type.ts'

test('content types read as JSON, text, binary, or sniffed when they say neither', () => {
  const cases: [string | undefined, string][] = [
    ['application/json; charset=utf-8', 'json'],
    ['application/problem+json', 'json'],
    ['text/plain', 'text'],
    ['text/html; charset=utf-8', 'text'],
    ['application/xml', 'text'],
    ['application/atom+xml', 'text'],
    ['application/x-www-form-urlencoded', 'text'],
    ['application/x-ndjson', 'text'],
    ['image/png', 'binary'],
    ['application/octet-stream', 'binary'],
    ['application/x-protobuf', 'binary'],
    ['application/gzip', 'binary'],
    ['font/woff2', 'binary'],
    [undefined, 'sniff'],
    ['application/vnd.acme.invoice', 'sniff'],
    ['multipart/form-data; boundary=x', 'sniff'],
  ]
  for (const [type, expected] of cases) assert.equal(bodyReading(type), expected, String(type))
})

test('sniffing: UTF-8 without control characters is text, anything else binary', () => {
  assert.ok(looksLikeText(Buffer.from('{"email":"ada@example.com"}\n\tcafé')))
  assert.ok(!looksLikeText(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG header')
  assert.ok(!looksLikeText(Buffer.from('a\u0000b')))
  assert.ok(!looksLikeText(Buffer.from([0x61, 0xc3, 0x28])), 'broken UTF-8')
  const cut = Buffer.from('abcé').subarray(0, 4)
  assert.ok(!looksLikeText(cut), 'a cut character in a whole body is not UTF-8')
  assert.ok(looksLikeText(cut, true), 'but may end a prefix')
})
