import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { classifySql, loadSqlParser } from './classify.ts'

before(async () => {
  await loadSqlParser()
})

const secret = (sql: string) => classifySql(sql).traits.includes('contains-secret')

test('secret-named options, connection strings and dblink calls carry a secret, whatever the kind', () => {
  for (const sql of [
    "CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob', password 'x')",
    "ALTER USER MAPPING FOR bob SERVER s OPTIONS (SET password 'x')",
    "CREATE SERVER s FOREIGN DATA WRAPPER f OPTIONS (passfile '/p')",
    "ALTER SERVER s OPTIONS (ADD sslpassword 'x')",
    "IMPORT FOREIGN SCHEMA a FROM SERVER s INTO b OPTIONS (password 'x')",
    "CREATE SUBSCRIPTION sub CONNECTION 'host=h' PUBLICATION p",
    "ALTER SUBSCRIPTION sub CONNECTION 'host=h'",
    "SELECT dblink_connect('c', 'dbname=x')",
    "SELECT * FROM public.dblink('c', 'select 1') AS t(a int)",
    "ALTER ROLE bob PASSWORD 'x'",
    "CREATE ROLE bob LOGIN ENCRYPTED PASSWORD 'x'",
    "SELECT 'host=h password=x'",
    "SELECT 'postgres://u:pw@h/db'",
    // Rejected by the parser, but naming a secret-bearing construct.
    "CREATE USER MAPPING FOR bob SERVER s OPTIONS (password 'x' oops",
  ])
    assert.ok(secret(sql), sql)
})

test('ordinary statements carry none', () => {
  for (const sql of [
    "SELECT * FROM t WHERE name = 'ann'",
    'COPY t TO STDOUT WITH (FORMAT csv, HEADER true)',
    'EXPLAIN (ANALYZE, BUFFERS) SELECT 1',
    "SELECT 'https://example.com/a:b'",
    'CREATE TABLE t (id int) WITH (fillfactor = 70)',
  ])
    assert.ok(!secret(sql), sql)
})

test("a rejected text's reason does not quote the secret", () => {
  const a = classifySql("CREATE USER MAPPING FOR bob SERVER s OPTIONS (password 'hunter2")
  assert.ok(a.unclassified !== undefined && !a.unclassified.includes('hunter2'), a.unclassified)
})
