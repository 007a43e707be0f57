import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { CliIo } from './io.ts'
import { printFields, printTable, relativeTime, truncate } from './output.ts'

function capture(): { io: CliIo; text: () => string } {
  let out = ''
  return { io: { stdout: (t) => (out += t), stderr: () => {}, env: {} }, text: () => out }
}

test('tables align columns, upper-case headers, no trailing spaces', () => {
  const { io, text } = capture()
  printTable(
    io,
    ['id', 'status'],
    [
      ['g1', 'active'],
      ['g-long', 'ended'],
    ],
  )
  assert.equal(text(), 'ID      STATUS\ng1      active\ng-long  ended\n')
})

test('an empty table says so', () => {
  const { io, text } = capture()
  printTable(io, ['id'], [])
  assert.equal(text(), '(none)\n')
})

test('fields leave out absent values', () => {
  const { io, text } = capture()
  printFields(io, [
    ['grant', 'g1'],
    ['reason', undefined],
    ['status', 'active'],
  ])
  assert.equal(text(), 'grant   g1\nstatus  active\n')
})

test('relative times and truncation', () => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  assert.equal(relativeTime('2026-01-01T00:14:00Z', now), 'in 14m')
  assert.equal(relativeTime('2025-12-31T21:00:00Z', now), '3h ago')
  assert.equal(relativeTime(undefined, now), '-')
  assert.equal(truncate('a  b\nc', 10), 'a b c')
  assert.equal(truncate('abcdefghijk', 5), 'abcd…')
})
