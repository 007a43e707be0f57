// Every verb the classifier puts in a statement's needs must be a verb config and grant requests accept
// (core/grants/scope-verbs.ts), or a grant could never allow that statement; and the vocabulary names no verb
// the classifier or the implicit scope never uses, so it stays a precise list.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { SCOPE_VERBS } from '../../core/index.ts'
import { classifySql, loadSqlParser } from './classify.ts'
import { POSTGRES_IMPLICIT_SCOPE } from './implicit-scope.ts'

before(async () => {
  await loadSqlParser()
})

// One or more statements per handler of classify-statements.ts.
const CORPUS = [
  'SELECT * FROM a.t',
  'INSERT INTO a.t VALUES (1)',
  'UPDATE a.t SET x = 1 WHERE id = 1',
  'DELETE FROM a.t WHERE id = 1',
  'MERGE INTO a.t USING a.s ON t.id = s.id WHEN MATCHED THEN UPDATE SET x = 1 WHEN NOT MATCHED THEN INSERT VALUES (1)',
  'MERGE INTO a.t USING a.s ON t.id = s.id WHEN MATCHED THEN DELETE',
  'COPY a.t TO STDOUT',
  'COPY a.t FROM STDIN',
  'TRUNCATE a.t',
  'EXPLAIN SELECT 1',
  'BEGIN',
  'SET statement_timeout = 0',
  'SHOW work_mem',
  'ALTER SYSTEM SET work_mem = 1',
  'DISCARD PLANS',
  'LISTEN c',
  'NOTIFY c',
  'UNLISTEN c',
  'VACUUM a.t',
  'ANALYZE a.t',
  'VACUUM',
  'LOCK TABLE a.t IN ACCESS EXCLUSIVE MODE',
  'LOCK TABLE a.t IN ACCESS SHARE MODE',
  'CALL a.p()',
  'DO $$ BEGIN END $$',
  'CREATE TABLE a.n (id int REFERENCES a.t (id))',
  'CREATE TABLE a.c AS SELECT * FROM a.t',
  'CREATE VIEW a.v AS SELECT * FROM a.t',
  'CREATE INDEX ON a.t (x)',
  'ALTER TABLE a.t ADD COLUMN y int',
  'ALTER TABLE a.t RENAME TO u',
  'DROP TABLE a.t',
  "COMMENT ON TABLE a.t IS 'x'",
  'CREATE SCHEMA s',
  'CREATE SEQUENCE a.q',
  'ALTER SEQUENCE a.q RESTART',
  "CREATE FUNCTION a.f() RETURNS int LANGUAGE sql AS 'select 1'",
  'CREATE TRIGGER tr BEFORE INSERT ON a.t FOR EACH ROW EXECUTE FUNCTION a.f()',
  "CREATE TYPE a.e AS ENUM ('x')",
  'CREATE TYPE a.ct AS (x int)',
  'CREATE DOMAIN a.d AS int CHECK (VALUE > 0)',
  'CREATE EXTENSION hstore',
  'GRANT SELECT ON a.t TO r',
  'GRANT r TO s',
  'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO r',
  'CREATE ROLE r',
  'ALTER ROLE r LOGIN',
  'DROP ROLE r',
  'SELECT a.f()',
]

test('every verb the classifier emits for the corpus is in the postgres vocabulary', () => {
  const vocabulary = new Set(SCOPE_VERBS.postgres)
  const emitted = new Set<string>()
  for (const sql of CORPUS) {
    const action = classifySql(sql)
    assert.equal(action.unclassified, undefined, `${sql}: ${action.unclassified}`)
    for (const need of action.needs) {
      assert.ok(vocabulary.has(need.verb), `${sql}: verb "${need.verb}" is missing from SCOPE_VERBS.postgres`)
      emitted.add(need.verb)
    }
  }
  for (const entry of [...POSTGRES_IMPLICIT_SCOPE.allow, ...POSTGRES_IMPLICIT_SCOPE.except]) {
    assert.ok(vocabulary.has(entry.verb), `implicit scope verb "${entry.verb}" is not in the vocabulary`)
    emitted.add(entry.verb)
  }
  assert.deepEqual(
    [...vocabulary].filter((verb) => !emitted.has(verb)),
    [],
    'vocabulary verbs no statement of the corpus and no implicit scope entry uses',
  )
})
