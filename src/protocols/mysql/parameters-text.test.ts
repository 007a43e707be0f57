import assert from 'node:assert/strict'
import { test } from 'node:test'
import { withParameters } from './parameters-text.ts'
import type { ComStmtExecute } from './wire/commands.ts'
import { ColumnType } from './wire/constants.ts'

const int4 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32LE(n)
  return b
}
const lenenc = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)])
const execute = (values: (Buffer | null)[], types: ComStmtExecute['types']): ComStmtExecute => ({
  statementId: 1,
  flags: 0,
  iterationCount: 1,
  newParamsBound: true,
  types,
  values,
})
const LONG = { type: ColumnType.MYSQL_TYPE_LONG, unsigned: false }
const STRING = { type: ColumnType.MYSQL_TYPE_VAR_STRING, unsigned: false }

test('an execution is recorded as its text and each parameter as the text protocol shows it', () => {
  const e = execute([int4(-7), null, lenenc("it's")], [LONG, LONG, STRING])
  assert.equal(
    withParameters('SELECT ?, ?, ?', e, false, undefined),
    "SELECT ?, ?, ?\n-- parameters: ?1 = '-7', ?2 = NULL, ?3 = 'it''s'",
  )
  assert.equal(withParameters('SELECT 1', execute([], []), false, undefined), 'SELECT 1')
})

test('a statement holding a secret shows no parameter; masking applies to each value', () => {
  const e = execute([lenenc('4111111111111111'), null], [STRING, STRING])
  assert.equal(
    withParameters('SET PASSWORD = ?, ?', e, true, undefined),
    "SET PASSWORD = ?, ?\n-- parameters: ?1 = '***', ?2 = NULL",
  )
  const masked = withParameters('SELECT ?, ?', e, false, (v) => (v.startsWith('4111') ? 'XXXX' : v))
  assert.equal(masked, "SELECT ?, ?\n-- parameters: ?1 = 'XXXX', ?2 = NULL")
  const dropped = withParameters('SELECT ?', execute([lenenc('x')], [STRING]), false, () => null)
  assert.equal(dropped, "SELECT ?\n-- parameters: ?1 = '***'", 'a value the masker cannot show is starred')
})

test('long values are cut; a value that does not decode is shown as hex', () => {
  const long = 'a'.repeat(300)
  const e = execute(
    [Buffer.concat([Buffer.from([0xfc, 44, 1]), Buffer.from(long)]), Buffer.from([1])],
    [STRING, LONG],
  )
  assert.equal(
    withParameters('SELECT ?, ?', e, false, undefined),
    `SELECT ?, ?\n-- parameters: ?1 = '${'a'.repeat(200)}…', ?2 = '0x01'`,
  )
})
