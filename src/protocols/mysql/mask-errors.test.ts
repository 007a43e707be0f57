import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileMaskingRules, type MaskingRule, maskingContextFor } from '../../core/index.ts'
import { ErrorMasker, maskQuotedValues } from './mask-errors.ts'

const masker = (rules: MaskingRule[]) =>
  new ErrorMasker(maskingContextFor(compileMaskingRules({ rules, hashKey: 'k' }), 'db', ['agents'])!)
const byColumn = masker([{ id: 'email', style: 'redact', columns: ['email'] }])
const byContent = masker([{ id: 'emails', style: 'redact', detectors: ['email'] }])

test('a duplicate entry keeps its key name and loses the value, whatever the value is', () => {
  const err = { errorCode: 1062, sqlState: '23000', message: "Duplicate entry 'x-1234' for key 'email'" }
  assert.deepEqual(byColumn.mask(err), { ...err, message: "Duplicate entry '****' for key 'email'" })
})

test('value errors under HY000 are masked too; names after column stay', () => {
  const err = {
    errorCode: 1366,
    sqlState: 'HY000',
    message: "Incorrect integer value: 'abc' for column `t`.`id` at row 1",
  }
  assert.equal(byColumn.mask(err)?.message, "Incorrect integer value: '****' for column `t`.`id` at row 1")
  assert.equal(maskQuotedValues("Unknown column 'emial' in 'field list'"), "Unknown column 'emial' in '****'")
})

test('other errors keep their quotes unless the statement touches a masked column; detectors always run', () => {
  const err = { errorCode: 1146, sqlState: '42S02', message: "Table 'shop.custmers' doesn't exist" }
  assert.equal(byColumn.mask(err), undefined)
  assert.equal(
    byColumn.mask({ ...err, message: "Unknown column 'x' in 'jane'" }, true)?.message,
    "Unknown column 'x' in '****'",
  )
  const leak = {
    errorCode: 1054,
    sqlState: '42S22',
    message: "Unknown column 'jane@example.com' in 'where clause'",
  }
  assert.ok(!byContent.mask(leak)?.message.includes('jane@example.com'))
})
