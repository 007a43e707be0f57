import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import fc from 'fast-check'
import { escapeJsonBytesWasm, WAT_SHA256 } from './escape-json-bytes-wasm.ts'

/** What JSON.stringify writes between the quotes, as bytes. */
const expected = (bytes: Buffer) =>
  Buffer.from(JSON.stringify(bytes.toString('latin1')).slice(1, -1), 'latin1')

const escaped = (bytes: Buffer, at = 0) => {
  const target = Buffer.alloc(at + bytes.length * 6)
  const end = escapeJsonBytesWasm(bytes, target, at)
  return target.subarray(at, end)
}

test('the module is the one assembled from escape-json-bytes.wat', () => {
  const wat = readFileSync(new URL('./escape-json-bytes.wat', import.meta.url))
  assert.equal(createHash('sha256').update(wat).digest('hex'), WAT_SHA256)
})

test('every byte is escaped as JSON.stringify escapes its Latin-1 character, in blocks of 16 and after', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte))
  assert.deepEqual(escaped(all), expected(all))
  // Each control byte (and '"', '\') at each place of a block of otherwise plain text, and in the tail.
  for (const byte of [...Array.from({ length: 0x20 }, (_, b) => b), 0x22, 0x5c, 0x7f, 0xff]) {
    for (let place = 0; place < 40; place++) {
      const bytes = Buffer.alloc(40, 'a')
      bytes[place] = byte
      assert.deepEqual(escaped(bytes), expected(bytes), `byte ${byte} at ${place}`)
    }
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(20), (bytes, at) => {
      assert.deepEqual(escaped(Buffer.from(bytes), at), expected(Buffer.from(bytes)))
    }),
    { numRuns: 2000 },
  )
  // Mostly plain text with a few bytes to escape: the 16-byte path and the byte path alternate.
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(fc.constantFrom(0x0a, 0x22, 0x5c, 0x00, 0x1b), fc.integer({ min: 0x20, max: 0xff })),
        {
          maxLength: 500,
        },
      ),
      (values) => {
        const bytes = Buffer.from(values)
        assert.deepEqual(escaped(bytes), expected(bytes))
      },
    ),
    { numRuns: 1000 },
  )
})

test('UTF-8 text escaped is the UTF-8 of its JSON string, which parses back to it', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
      const bytes = escaped(Buffer.from(text))
      assert.deepEqual(bytes, Buffer.from(JSON.stringify(text).slice(1, -1)))
      assert.equal(JSON.parse(`"${bytes.toString('utf8')}"`), text)
    }),
    { numRuns: 500 },
  )
  const text = 'héllo wörld ✓ 🙂\n\t"x"\\'.repeat(50)
  assert.equal(JSON.parse(`"${escaped(Buffer.from(text)).toString('utf8')}"`), text)
})

test('text longer than the memory was sized for grows it, and later text is still right', () => {
  const long = Buffer.from('y\n'.repeat(300_000))
  assert.deepEqual(escaped(long), expected(long))
  const short = Buffer.from('ab"\u0001cd'.repeat(20))
  assert.deepEqual(escaped(short), expected(short))
})

test('bytes that do not fit are refused and nothing is written', () => {
  const target = Buffer.alloc(24, 0xee)
  const bytes = Buffer.from('\u0001'.repeat(4))
  assert.equal(escapeJsonBytesWasm(bytes, target.subarray(0, 23), 0), -1)
  assert.deepEqual(target, Buffer.alloc(24, 0xee))
  assert.equal(escapeJsonBytesWasm(bytes, target, 0), 24)
  assert.equal(escapeJsonBytesWasm(Buffer.from('ab'), target, 22), 24)
})
