import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { BYTE_STYLE_GROWTH, BYTE_STYLES, partialMaskBytes } from './byte-styles.ts'
import { createStyles, partialMask } from './styles.ts'

function viaBytes(value: string, style = partialMaskBytes): string | undefined {
  const src = Buffer.from(`xx${value}yy`, 'utf8')
  const dst = Buffer.alloc(3 + src.length + BYTE_STYLE_GROWTH, 0x21)
  const n = style(src, 2, src.length - 2, dst, 3)
  return n === -1 ? undefined : dst.toString('utf8', 3, 3 + n)
}

test('partial on bytes writes what partialMask writes for a column rule', () => {
  for (const value of [
    'jane@example.com',
    'a@b.c',
    '@x.com',
    'a@bc',
    'ACCT-00991234',
    'short',
    '',
    '4111 1111 1111 1111',
    'x.y@z',
  ])
    assert.equal(viaBytes(value), partialMask(value, undefined), value)
})

test('partial on bytes: any ASCII value, the same output as the string style', () => {
  const ascii = fc.string({ unit: fc.constantFrom(...'ab9Z0 .@-_*\u007f\t'.split('')), maxLength: 40 })
  fc.assert(fc.property(ascii, (value) => viaBytes(value) === partialMask(value, undefined)))
  fc.assert(
    fc.property(
      fc.string({ maxLength: 40, unit: 'binary-ascii' }),
      (value) => viaBytes(value) === partialMask(value, undefined),
    ),
  )
})

test('a value that is not ASCII is left to the string style', () => {
  assert.equal(viaBytes('jöhn@example.com'), undefined)
  assert.equal(viaBytes('ACCT-0099123€'), undefined)
})

test('redact on bytes', () => {
  const styles = createStyles('k')
  assert.equal(viaBytes('4111111111111111', BYTE_STYLES.redact), styles.redact('4111111111111111', undefined))
  assert.equal(viaBytes('', BYTE_STYLES.redact), '****')
})
