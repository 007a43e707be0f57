import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { escapeJsonBytes, MAX_ESCAPED_BYTES } from './escape-json-bytes.ts'

/** What JSON.stringify writes between the quotes, as bytes. */
const expected = (bytes: Buffer) =>
  Buffer.from(JSON.stringify(bytes.toString('latin1')).slice(1, -1), 'latin1')

const escaped = (bytes: Buffer, at = 0) => {
  const target = Buffer.alloc(at + bytes.length * MAX_ESCAPED_BYTES + MAX_ESCAPED_BYTES)
  const end = escapeJsonBytes(bytes, target, at)
  return target.subarray(at, end)
}

test('every byte is escaped as JSON.stringify escapes its Latin-1 character', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte))
  assert.deepEqual(escaped(all), expected(all))
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(20), (bytes, at) => {
      assert.deepEqual(escaped(Buffer.from(bytes), at), expected(Buffer.from(bytes)))
    }),
    { numRuns: 2000 },
  )
})

test('UTF-8 text escaped is the UTF-8 of its JSON string, which parses back to it', () => {
  for (const text of [
    'héllo wörld ✓\n',
    'y\n'.repeat(100),
    '\u001b[1m"quoted" \\ tab\tcr\r 🙂\u0000\u007f',
  ]) {
    const bytes = escaped(Buffer.from(text))
    assert.deepEqual(bytes, Buffer.from(JSON.stringify(text).slice(1, -1)))
    assert.equal(JSON.parse(`"${bytes.toString('utf8')}"`), text)
  }
})

test('bytes that may not fit are refused, not written past the target', () => {
  const target = Buffer.alloc(16, 0xee)
  assert.equal(escapeJsonBytes(Buffer.from('\u0001\u0001\u0001'), target.subarray(0, 12), 0), -1)
  assert.equal(target[12], 0xee)
  assert.equal(escapeJsonBytes(Buffer.from('ab'), target, 8), 10)
})
