import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileMaskingRules, type MaskingRule, maskingContextFor } from '../../core/index.ts'
import { columnShape, type DescribedColumn, RowMasker } from './mask-rows.ts'
import { CSV_DEFAULTS, TEXT_DEFAULTS } from './wire/copy-rows.ts'
import { scanDataRow } from './wire/row-messages.ts'

const TEXT = 25
const JSONB = 3802
const INT8 = 20
const TIMESTAMPTZ = 1184

const contextOf = (rules: MaskingRule[]) =>
  maskingContextFor(compileMaskingRules({ rules, hashKey: 'k' }), 'db', ['agents'])!
const pii = contextOf([{ id: 'pii', style: 'partial', detectors: ['email', 'card'] }])

function dataRow(values: Array<Buffer | string | null>): Buffer {
  const parts = values.map((v) => (typeof v === 'string' ? Buffer.from(v) : v))
  const body = Buffer.concat(
    parts.flatMap((p) => {
      const head = Buffer.alloc(4)
      head.writeInt32BE(p === null ? -1 : p.length)
      return p === null ? [head] : [head, p]
    }),
  )
  const out = Buffer.alloc(7 + body.length)
  out[0] = 0x44
  out.writeInt32BE(6 + body.length, 1)
  out.writeInt16BE(values.length, 5)
  body.copy(out, 7)
  return out
}

const valuesOf = (frame: Buffer) => {
  const out: Array<Buffer | null> = []
  scanDataRow(frame, (_, start, end) => out.push(start === -1 ? null : frame.subarray(start, end)))
  return out
}

const col = (name: string, typeOid: number, format = 0): DescribedColumn => ({ name, typeOid, format })

test('a row with nothing to mask leaves as the same buffer; a masked one keeps its other bytes', () => {
  const masker = new RowMasker([col('id', INT8), col('email', TEXT), col('status', TEXT)], pii, 0)
  const clean = dataRow(['1', 'no address here', 'paid'])
  assert.equal(masker.dataRow(clean), clean)
  const out = masker.dataRow(dataRow(['2', 'jane@example.com', null]))
  assert.deepEqual(
    valuesOf(out).map((v) => v?.toString()),
    ['2', 'j****@*****.com', undefined],
  )
  const counts: Record<string, number> = {}
  masker.takeCounts(counts)
  assert.deepEqual(counts, { 'email/email': 1 })
})

test('binary: text and jsonb are rewritten in place; a masked int8 and an opaque value go as NULL', () => {
  const rules = contextOf([
    { id: 'pii', style: 'partial', detectors: ['email', 'card'] },
    { id: 'times', style: 'redact', columns: ['seen_at'] },
  ])
  const columns = [
    col('email', TEXT, 1),
    col('doc', JSONB, 1),
    col('card_number', INT8, 1),
    col('order_id', INT8, 1),
    col('seen_at', TIMESTAMPTZ, 1),
  ]
  const masker = new RowMasker(columns, rules, 1)
  const int8 = (n: bigint) => {
    const b = Buffer.alloc(8)
    b.writeBigInt64BE(n)
    return b
  }
  const jsonb = Buffer.concat([Buffer.of(1), Buffer.from('{"contact": {"email": "li@example.org"}}')])
  const out = valuesOf(
    masker.dataRow(
      dataRow([
        'jane@example.com',
        jsonb,
        int8(4111111111111111n),
        int8(4111111111111111n),
        Buffer.alloc(8, 7),
      ]),
    ),
  )
  assert.equal(out[0]?.toString(), 'j****@*****.com')
  assert.equal(out[1]?.[0], 1, 'jsonb keeps its version byte')
  assert.deepEqual(JSON.parse(out[1]!.subarray(1).toString()), { contact: { email: 'l****@*****.org' } })
  assert.equal(out[2], null, 'a card in a bigint column cannot be partially shown in binary: NULL')
  assert.deepEqual(out[3], int8(4111111111111111n), 'an order id is not a card')
  assert.equal(out[4], null)
  const counts: Record<string, number> = {}
  masker.takeCounts(counts)
  assert.deepEqual(counts, {
    'email/email': 1,
    'doc/email': 1,
    'card_number/card': 1,
    'seen_at/unmaskable-binary': 1,
  })
  assert.deepEqual(masker.sample.rows[0]!.slice(0, 3), [
    'j****@*****.com',
    '{"contact": {"email": "l****@*****.org"}}',
    null,
  ])
})

test('COPY text and CSV rows: matched fields re-escaped, others copied byte for byte', () => {
  const masker = new RowMasker([col('id', INT8), col('notes', TEXT), col('raw', TEXT)], pii, 5)
  const copyData = (line: string) => {
    const body = Buffer.from(line)
    const out = Buffer.alloc(5 + body.length)
    out[0] = 0x64
    out.writeInt32BE(4 + body.length, 1)
    body.copy(out, 5)
    return out
  }
  const text = masker.copyRow(copyData('1\tmail\\tjane@example.com\\\\x\t\\x41\\N\n'), TEXT_DEFAULTS)
  assert.equal(text.subarray(5).toString(), '1\tmail\\tj****@*****.com\\\\x\t\\x41\\N\n')
  const csv = masker.copyRow(copyData('2,"a, jane@example.com",\n'), CSV_DEFAULTS)
  assert.equal(csv.subarray(5).toString(), '2,"a, j****@*****.com",\n')
  const same = copyData('3,nothing,\n')
  assert.equal(masker.copyRow(same, CSV_DEFAULTS), same)
  assert.deepEqual(masker.sample.rows, [
    ['1', 'mail\tj****@*****.com\\x', 'AN'],
    ['2', 'a, j****@*****.com', null],
    ['3', 'nothing', null],
  ])
})

test('the sample keeps the first rows only and says it was cut', () => {
  const masker = new RowMasker([col('v', TEXT)], undefined, 2)
  for (const v of ['a', 'b', 'c']) masker.dataRow(dataRow([v]))
  assert.deepEqual(masker.sample, { columns: ['v'], rows: [['a'], ['b']], truncated: true })
  assert.equal(masker.masks, false)
})

test('a column shape serves only its own columns; results sharing it mask and sample each on their own', () => {
  const columns = [col('email', TEXT), col('n', INT8)]
  const shape = columnShape(columns)
  assert.throws(() => new RowMasker([col('email', TEXT), col('n', INT8)], pii, 20, shape), /own columns/)
  const first = new RowMasker(columns, pii, 20, shape)
  const second = new RowMasker(columns, undefined, 20, shape)
  const masked = first.dataRow(dataRow(['ann@example.com', '1']))
  assert.notEqual(String(valuesOf(masked)[0]), 'ann@example.com')
  const clear = second.dataRow(dataRow(['bob@example.com', '2']))
  assert.equal(String(valuesOf(clear)[0]), 'bob@example.com')
  assert.deepEqual(first.sample.rows.length, 1)
  assert.deepEqual(second.sample.rows, [['bob@example.com', '2']])
  assert.notEqual(String(first.sample.rows[0]?.[0]), 'ann@example.com')
  // The recorded names are the shape's, frozen: no result can change another's.
  assert.equal(first.sample.columns, second.sample.columns)
  assert.ok(Object.isFrozen(first.sample.columns))
})
