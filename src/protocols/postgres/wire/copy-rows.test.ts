import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  type CopyTextOptions,
  CSV_DEFAULTS,
  decodeCopyField,
  encodeCopyField,
  splitCopyRow,
  TEXT_DEFAULTS,
} from './copy-rows.ts'

const fields = (line: string, o: CopyTextOptions) => {
  const row = Buffer.from(line, 'utf8')
  return splitCopyRow(row, o).fields.map((f) => decodeCopyField(row, f, o))
}

test('text format: tabs split, escapes decode, \\N is NULL', () => {
  assert.deepEqual(fields('1\ta\\tb\\\\c\\nd\t\\N\t\\x41\\101\n', TEXT_DEFAULTS), [
    '1',
    'a\tb\\c\nd',
    null,
    'AA',
  ])
  assert.deepEqual(fields('x|y\\|z\n', { ...TEXT_DEFAULTS, delimiter: 0x7c }), ['x', 'y|z'])
  assert.deepEqual(fields('é\\303\\251\n', TEXT_DEFAULTS), ['éé'], 'octal escapes spell UTF-8 bytes')
})

test('CSV: quoted delimiters, doubled quotes and newlines; an unquoted empty field is NULL', () => {
  assert.deepEqual(fields('1,"a,b","say ""hi""","line\nbreak",,""\n', CSV_DEFAULTS), [
    '1',
    'a,b',
    'say "hi"',
    'line\nbreak',
    null,
    '',
  ])
  const backslash = { ...CSV_DEFAULTS, escape: 0x5c }
  assert.deepEqual(fields('"a\\"b\\\\c"\n', backslash), ['a"b\\c'])
})

test('encode then split and decode gives the value back, in text and CSV', () => {
  const options = [TEXT_DEFAULTS, CSV_DEFAULTS, { ...CSV_DEFAULTS, delimiter: 0x3b, escape: 0x5c }]
  fc.assert(
    fc.property(
      fc.array(fc.option(fc.string({ unit: 'binary' }), { nil: null }), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(...options),
      (values, o) => {
        // In text format an empty NULL marker cannot be told from '' (PostgreSQL's own limitation).
        const line = Buffer.concat([
          ...values.flatMap((v, i) => [...(i > 0 ? [Buffer.of(o.delimiter)] : []), encodeCopyField(v, o)]),
          Buffer.from('\n'),
        ])
        const { fields: spans } = splitCopyRow(line, o)
        assert.deepEqual(
          spans.map((f) => decodeCopyField(line, f, o)),
          values,
        )
      },
    ),
  )
})
