import assert from 'node:assert/strict'
import { test } from 'node:test'
import { splitStatements } from './statement-splitter.ts'

test('splits at the semicolons the server sees, keeping each statement as written', () => {
  assert.deepEqual(splitStatements('SELECT 1; SELECT 2;'), { statements: ['SELECT 1', ' SELECT 2'] })
  assert.deepEqual(
    splitStatements("UPDATE t SET a = 'x;y' WHERE id = 1; /* ; */ DELETE FROM `we;ird` WHERE id = 2 -- ;\n"),
    {
      statements: [
        "UPDATE t SET a = 'x;y' WHERE id = 1",
        ' /* ; */ DELETE FROM `we;ird` WHERE id = 2 -- ;\n',
      ],
    },
  )
  assert.deepEqual(splitStatements('SELECT 1; -- done\n'), { statements: ['SELECT 1'] })
  assert.deepEqual(splitStatements('  ;  ; '), { statements: [] })
})

test('the session’s sql_mode moves where a string ends, and so where a statement does', () => {
  const sql = "SELECT 'a\\'; DROP TABLE t; -- '"
  assert.deepEqual(splitStatements(sql), { statements: [sql] })
  assert.deepEqual(splitStatements(sql, { noBackslashEscapes: true }), {
    statements: ["SELECT 'a\\'", ' DROP TABLE t'],
  })
})

test('what cannot be split safely is refused', () => {
  assert.ok('error' in splitStatements("SELECT 'open"))
  assert.ok('error' in splitStatements('SELECT 1 /*!; DROP TABLE t */'))
})
