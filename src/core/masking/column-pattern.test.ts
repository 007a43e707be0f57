import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileColumnPattern } from './column-pattern.ts'

test('a bare glob names columns in any table, and JSON keys', () => {
  const p = compileColumnPattern('*_phone')
  assert.ok(p.matchesColumn({ name: 'mobile_phone', table: 'crm.people' }))
  assert.ok(p.matchesColumn({ name: 'HOME_PHONE' }))
  assert.ok(!p.matchesColumn({ name: 'phone' }))
  assert.ok(p.namesKeys && p.matchesKey('work_phone'))
})

test('table.column and schema.table.column', () => {
  const t = compileColumnPattern('customers.ssn')
  assert.ok(t.matchesColumn({ name: 'ssn', table: 'billing.customers' }))
  assert.ok(t.matchesColumn({ name: 'ssn', table: 'customers' }))
  assert.ok(!t.matchesColumn({ name: 'ssn', table: 'billing.employees' }))
  assert.ok(!t.namesKeys && !t.matchesKey('ssn'))
  const s = compileColumnPattern('billing.customers.ssn')
  assert.ok(s.matchesColumn({ name: 'ssn', table: 'billing.customers' }))
  assert.ok(!s.matchesColumn({ name: 'ssn', table: 'sales.customers' }))
})

test('an unknown table fails closed: a qualified pattern still matches by column', () => {
  assert.ok(compileColumnPattern('billing.customers.ssn').matchesColumn({ name: 'ssn' }))
})

test('regex patterns test the bare and the qualified name', () => {
  const r = compileColumnPattern('/^billing\\..*\\.(ssn|tax_id)$/i')
  assert.ok(r.matchesColumn({ name: 'tax_id', table: 'billing.customers' }))
  assert.ok(!r.matchesColumn({ name: 'tax_id', table: 'sales.customers' }))
  assert.ok(compileColumnPattern('/e-?mail/').matchesKey('e-mail'))
})

test('regex metacharacters in globs are literal', () => {
  assert.ok(!compileColumnPattern('a+b').matchesColumn({ name: 'aab' }))
  assert.ok(compileColumnPattern('a+b').matchesColumn({ name: 'a+b' }))
  assert.ok(compileColumnPattern('ph?ne').matchesColumn({ name: 'phone' }))
})
