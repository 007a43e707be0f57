import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyCommand } from './classify-command.ts'
import { encodeComFieldList, encodeStatementCommand, encodeTextCommand } from './wire/commands.ts'
import { Command } from './wire/constants.ts'

test('COM_INIT_DB is a USE, taking effect on the server’s OK', () => {
  const c = classifyCommand(encodeTextCommand(Command.COM_INIT_DB, 'shop'), 'app')
  assert.equal(c?.usesDatabase, 'shop')
  assert.equal(c?.action.text, 'USE `shop`')
  assert.equal(c?.action.unclassified, undefined)
  assert.ok(classifyCommand(encodeTextCommand(Command.COM_INIT_DB, ''), 'app')?.action.unclassified)
})

test('COM_FIELD_LIST needs show on the table, in the current database', () => {
  const c = classifyCommand(encodeComFieldList({ table: 'Orders', wildcard: '' }), 'Shop')
  assert.deepEqual(c?.action.needs, [{ verb: 'show', object: 'shop.orders' }])
  assert.ok(classifyCommand(encodeComFieldList({ table: 't', wildcard: '' }), undefined)?.action.unclassified)
})

test('other commands are not classified here', () => {
  assert.equal(classifyCommand(Buffer.from([Command.COM_PING]), 'app'), undefined)
  assert.equal(classifyCommand(encodeStatementCommand(Command.COM_STMT_CLOSE, 1), 'app'), undefined)
})
