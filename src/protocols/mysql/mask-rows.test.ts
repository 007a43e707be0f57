import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileMaskingRules, planMasking } from '../../core/index.ts'
import { maskBinaryRow, maskTextRow, resultColumnsOf } from './mask-rows.ts'
import type { ColumnDefinition41 } from './wire/column-definition.ts'
import { ColumnType } from './wire/constants.ts'
import { encodeBinaryRow, encodeTextRow, parseBinaryRow, parseTextRow } from './wire/result-rows.ts'

const column = (name: string, type: number, orgName = name): ColumnDefinition41 => ({
  catalog: 'def',
  schema: 'shop',
  table: 'c',
  orgTable: 'customers',
  name,
  orgName,
  characterSet: 45,
  columnLength: 255,
  type,
  flags: 0,
  decimals: 0,
})

const columns = [
  column('id', ColumnType.MYSQL_TYPE_LONGLONG),
  column('contact', ColumnType.MYSQL_TYPE_VAR_STRING, 'email'),
  column('card', ColumnType.MYSQL_TYPE_LONGLONG),
  { ...column('n', ColumnType.MYSQL_TYPE_LONGLONG, ''), orgTable: '' },
]
const rules = compileMaskingRules({
  hashKey: 'k',
  rules: [
    { id: 'email', style: 'redact', columns: ['email'] },
    { id: 'card', style: 'redact', columns: ['customers.card'] },
  ],
})
const plan = () => planMasking(resultColumnsOf(columns), rules, [], 'shop-db')

test('the server’s org_name and org_table carry a rule through an alias; computed values fail closed', () => {
  const described = resultColumnsOf(columns)
  assert.deepEqual(described[1], {
    name: 'contact',
    typeHint: 'text',
    table: 'shop.customers',
    origins: [{ name: 'email', table: 'shop.customers' }],
  })
  assert.equal(described[3]!.originUnknown, true)
})

test('text rows: masked columns masked, NULL stays NULL, an untouched row is the same buffer', () => {
  const row = encodeTextRow([
    Buffer.from('7'),
    Buffer.from('jane@example.com'),
    Buffer.from('4111111111111111'),
    Buffer.from('3'),
  ])
  const masked = parseTextRow(maskTextRow(plan(), row, 4), 4).map((c) => c?.toString())
  assert.equal(masked[0], '7')
  assert.notEqual(masked[1], 'jane@example.com')
  assert.notEqual(masked[2], '4111111111111111')
  assert.notEqual(masked[3], '3', 'a computed value of unknown origin is masked by every column rule')
  const untouched = planMasking(resultColumnsOf([columns[0]!]), rules, [], 'shop-db')
  const plain = encodeTextRow([Buffer.from('7')])
  assert.equal(maskTextRow(untouched, plain, 1), plain)
  const nulls = encodeTextRow([Buffer.from('7'), null, null, null])
  assert.deepEqual(parseTextRow(maskTextRow(plan(), nulls, 4), 4).slice(1), [null, null, null])
})

test('binary rows: a masked string is re-encoded, a masked number becomes NULL', () => {
  const n = (v: bigint) => {
    const b = Buffer.alloc(8)
    b.writeBigInt64LE(v)
    return b
  }
  const email = Buffer.from('jane@example.com')
  const row = encodeBinaryRow([
    n(7n),
    Buffer.concat([Buffer.from([email.length]), email]),
    n(4111111111111111n),
    n(3n),
  ])
  const types = columns.map((c) => c.type)
  const masked = parseBinaryRow(maskBinaryRow(plan(), row, columns), types)
  assert.deepEqual(masked[0], n(7n))
  assert.ok(masked[1] && !masked[1].includes(email))
  assert.equal(masked[2], null, 'a number cannot carry a mask in its type')
})
