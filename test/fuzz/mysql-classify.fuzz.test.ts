// The MySQL classifier never throws and never hangs, whatever the text: anything it cannot read comes
// back unclassified (denied), and an Action that is not unclassified names every object with a database.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import fc from 'fast-check'
import { classifyMysql, loadMysqlParser } from '../../src/protocols/mysql/classify.ts'

before(loadMysqlParser)

const fragments = fc.constantFrom(
  'SELECT',
  '*',
  'FROM',
  't',
  'db.t',
  'WHERE',
  'a',
  '=',
  '1',
  "'x'",
  '"y"',
  '`z`',
  '/*!',
  '/*M!100100',
  '*/',
  '/*',
  '--',
  '-- ',
  '#',
  '\n',
  ';',
  '(',
  ')',
  ',',
  '\\',
  "'",
  'DELETE',
  'UPDATE',
  'SET',
  'INTO',
  'OUTFILE',
  'LOAD',
  'DATA',
  'UNION',
  'JOIN',
  'ON',
  'WITH',
  'AS',
  '@@global.x',
  '@a',
  '0x1f',
  '.5',
  '1e3',
)

test('classification of any token soup or any string never throws', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(fragments, { maxLength: 30 }).map((f) => f.join(' ')),
        fc.string({ maxLength: 80 }),
      ),
      fc.boolean(),
      (sql, noBackslashEscapes) => {
        const { action } = classifyMysql(sql, { database: 'app', noBackslashEscapes })
        if (action.unclassified === undefined) {
          for (const e of action.needs) assert.ok(e.object.length > 0)
        }
      },
    ),
    { numRuns: 1500 },
  )
})

test('long pathological texts stay fast (no quadratic lexing)', () => {
  const texts = [
    '/*!'.repeat(20_000),
    `SELECT ${"'\\''".repeat(20_000)}`,
    `SELECT ${'1.'.repeat(40_000)}`,
    '-'.repeat(100_000),
  ]
  // Each either parses or is denied; what matters is that every one returns.
  for (const sql of texts) assert.ok(classifyMysql(sql, { database: 'app' }).action.kind.length > 0)
})
