// Which columns a statement computes on (Action.computesOn), for masking's inference check: anything but
// returning a column as it is.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { classifySql, loadSqlParser } from './classify.ts'

before(async () => {
  await loadSqlParser()
})

const computed = (sql: string) => {
  const c = classifySql(sql).computesOn
  return c === undefined ? [] : [...c.columns, ...(c.wholeRow ? ['(row)'] : [])].sort()
}

test('bare columns of the result, also through FROM subqueries and CTEs that keep their names, are returned', () => {
  for (const sql of [
    'SELECT id, ssn, name AS n FROM t',
    'SELECT * FROM t',
    'SELECT t.* FROM t',
    'SELECT * FROM (SELECT * FROM t) s',
    'WITH c AS (SELECT ssn FROM t) SELECT * FROM c',
    'COPY (SELECT ssn FROM t) TO STDOUT',
    'EXPLAIN SELECT ssn FROM t',
    'DECLARE k CURSOR FOR SELECT ssn FROM t',
    'SELECT count(*) FROM t',
  ])
    assert.deepEqual(computed(sql), [], sql)
})

test('predicates, keys, functions, operators, nested reads and set operations compute on a column', () => {
  const cases: Array<[string, string[]]> = [
    ["SELECT id FROM t WHERE substr(ssn, 1, 3) = '987'", ['ssn']],
    ['SELECT 1 / (ascii(ssn) - 49) FROM t', ['ssn']],
    ['SELECT id FROM t ORDER BY ssn', ['ssn']],
    ['SELECT ssn FROM t GROUP BY ssn HAVING count(*) > 1', ['ssn']],
    ['SELECT DISTINCT ON (ssn) id FROM t', ['ssn']],
    ['SELECT rank() OVER (PARTITION BY ssn) FROM t', ['ssn']],
    ['SELECT 1 FROM a JOIN b ON a.ssn = b.ssn', ['ssn']],
    ['SELECT 1 FROM a JOIN b USING (ssn)', ['ssn']],
    ['SELECT 1 FROM a NATURAL JOIN b', ['(row)']],
    ["SELECT 1 FROM t WHERE t::text LIKE '%9%'", ['(row)', 't']],
    ["SELECT 1 WHERE '9' IN (SELECT ssn FROM t)", ['ssn']],
    ['SELECT ssn FROM t UNION SELECT ssn FROM u', ['ssn']],
    ['SELECT x FROM (SELECT ssn AS x FROM t) s', ['ssn']],
    ['SELECT * FROM (SELECT ssn FROM t) s(x)', ['ssn']],
    ['WITH c(x) AS (SELECT ssn FROM t) SELECT * FROM c', ['ssn']],
    ['INSERT INTO u SELECT ssn FROM t', ['ssn']],
    ['SELECT ssn INTO u FROM t', ['ssn']],
    ['CREATE TABLE u AS SELECT ssn FROM t', ['ssn']],
    ['UPDATE t SET note = ssn WHERE id = 1', ['id', 'ssn']],
    ['PREPARE p AS SELECT id FROM t WHERE ssn = $1', ['ssn']],
  ]
  for (const [sql, columns] of cases) assert.deepEqual(computed(sql), columns, sql)
})
