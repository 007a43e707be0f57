import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { createMysqlClassifier, loadMysqlParser } from './classify.ts'
import { planQuery, type QueryPlanOptions } from './query-plan.ts'

let o: QueryPlanOptions
before(async () => {
  await loadMysqlParser()
  o = {
    classifier: createMysqlClassifier(),
    lex: {},
    database: 'app',
    multiStatements: true,
    maxStatements: 3,
    keyPrefix: '3',
  }
})

const refusals = (text: string, options: Partial<QueryPlanOptions> = {}) => {
  const plan = planQuery(text, { ...o, ...options })
  assert.ok(Array.isArray(plan))
  return plan.map((s) => s.action.unclassified)
}

test('each statement is an Action of its own, with the database an earlier USE selects', () => {
  const plan = planQuery('BEGIN; USE other; UPDATE t SET a = 1 WHERE id = 2; COMMIT', {
    ...o,
    maxStatements: 4,
  })
  assert.ok(Array.isArray(plan))
  assert.deepEqual(
    plan.map((s) => [s.action.text, s.action.unclassified]),
    [
      ['BEGIN', undefined],
      ['USE other', undefined],
      ['UPDATE t SET a = 1 WHERE id = 2', undefined],
      ['COMMIT', undefined],
    ],
  )
  assert.deepEqual(
    plan[2]!.action.needs.map((n) => `${n.verb}:${n.object}`),
    ['select:other.t', 'update:other.t'],
  )
  assert.notEqual(plan[0]!.cacheKey, plan[2]!.cacheKey)
  assert.ok(plan[2]!.cacheKey.includes('\0other\0'), 'the key carries the database the statement runs in')
})

test('without CLIENT_MULTI_STATEMENTS, or over the limit, the text is one refused Action', () => {
  assert.match(refusals('SELECT 1; SELECT 2', { multiStatements: false })[0]!, /one at a time/)
  assert.deepEqual(planQuery('SELECT 1; SELECT 2; SELECT 3; SELECT 4', o), { tooMany: 4 })
  assert.deepEqual(refusals('SELECT 1;'), [undefined])
})

test('compound statements and stored programs are refused in a multi-statement text', () => {
  for (const text of [
    'CREATE PROCEDURE p() BEGIN SELECT 1; DELETE FROM t; END',
    'BEGIN NOT ATOMIC SELECT 1; DELETE FROM t; END',
    'IF 1 THEN SELECT 1; DELETE FROM t; END IF',
    'lbl: LOOP DELETE FROM t; LEAVE lbl; END LOOP',
    'SELECT 1; WHILE 1 DO DELETE FROM t; END WHILE',
    'CREATE DEFINER = CURRENT_USER TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET @a = 1; SELECT 1',
  ])
    assert.ok(
      refusals(text).some((r) => r?.includes('compound statement')),
      `${text}: ${refusals(text).join(' | ')}`,
    )
})

test('what changes how the server reads the rest must come last; so must what answers with several results', () => {
  assert.match(refusals("SET NAMES gbk; SELECT 'x'")[0]!, /must be the last/)
  assert.match(refusals("SET character_set_client = 'gbk'; SELECT 1")[0]!, /must be the last/)
  assert.match(refusals('SET SESSION sql_mode = \'ANSI_QUOTES\'; SELECT "a"')[0]!, /must be the last/)
  assert.equal(refusals("SELECT 1; SET sql_mode = 'ANSI_QUOTES'")[0], undefined)
  assert.match(refusals('CALL p(); SELECT 1')[0]!, /several results/)
  assert.equal(refusals('SELECT 1; CALL p()')[0], undefined)
})

test('a text the lexer is unsure about is refused whole, never split', () => {
  for (const text of ["SELECT 1; SELECT 'open", 'SELECT 1 /*!; DROP TABLE t */', 'SELECT 1; /* open'])
    assert.equal(refusals(text).length, 1, text)
  assert.ok(refusals("SELECT 1; SELECT 'open")[0])
})
