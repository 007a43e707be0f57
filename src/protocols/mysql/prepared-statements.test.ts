import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Action } from '../../core/index.ts'
import { PreparedStatements } from './prepared-statements.ts'
import { encodeComStmtExecute } from './wire/commands.ts'
import { ColumnType } from './wire/constants.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'

const action: Action = {
  protocol: 'mysql',
  kind: 'Query',
  needs: [],
  traits: ['read-only'],
  text: 'SELECT ?',
}
const types = [{ type: ColumnType.MYSQL_TYPE_VAR_STRING, unsigned: false }]
const execute = (statementId: number, bind: boolean, value: string) =>
  encodeComStmtExecute({
    statementId,
    flags: 0,
    iterationCount: 1,
    newParamsBound: bind,
    types: bind ? types : [],
    values: [Buffer.from(`${String.fromCharCode(value.length)}${value}`)],
  })

test('a statement exists only once the server confirmed it, and executes parse with its types', () => {
  const statements = new PreparedStatements()
  statements.prepareSent('SELECT ?', action)
  assert.equal(statements.execute(execute(7, true, 'a')), undefined, 'not confirmed yet')
  statements.prepared({ statementId: 7, paramCount: 1, columnCount: 1, warnings: 0 })
  const first = statements.execute(execute(7, true, 'a'))
  assert.equal(first?.statement.action, action)
  assert.deepEqual(first?.execute.values, [Buffer.from('\x01a')])
  // The next execute reuses the bound types.
  assert.deepEqual(statements.execute(execute(7, false, 'bc'))?.execute.values, [Buffer.from('\x02bc')])
  assert.equal(statements.execute(execute(8, true, 'a')), undefined, 'an id never prepared here')
  statements.close(7)
  assert.equal(statements.execute(execute(7, true, 'a')), undefined)
})

test('a refused prepare leaves nothing; reset forgets all; the count is bounded', () => {
  const statements = new PreparedStatements(2)
  statements.prepareSent('SELECT ?', action)
  statements.prepareFailed()
  assert.equal(statements.size, 0)
  assert.throws(
    () => statements.prepared({ statementId: 1, paramCount: 0, columnCount: 1, warnings: 0 }),
    ProtocolViolation,
  )
  for (const id of [1, 2]) {
    statements.prepareSent('SELECT 1', action)
    statements.prepared({ statementId: id, paramCount: 0, columnCount: 1, warnings: 0 })
  }
  assert.ok(statements.full)
  statements.reset()
  assert.equal(statements.size, 0)
  assert.throws(() => statements.execute(Buffer.from([0x17, 1])), ProtocolViolation)
})

test("a prepared statement's needs are frozen once the server confirms it (the store serialises them once)", () => {
  const statements = new PreparedStatements()
  const action: Action = {
    protocol: 'mysql',
    kind: 'Select',
    needs: [{ verb: 'select', object: 'shop.orders' }],
    traits: ['read-only'],
    text: 'SELECT * FROM orders WHERE id = ?',
  }
  statements.prepareSent(action.text, action)
  const statement = statements.prepared({ statementId: 7, columnCount: 1, paramCount: 1, warnings: 0 })
  assert.ok(Object.isFrozen(statement.action.needs))
  assert.ok(Object.isFrozen(statement.action.needs[0]))
  assert.throws(() => statement.action.needs.push({ verb: 'delete', object: 'shop.orders' }), TypeError)
})
