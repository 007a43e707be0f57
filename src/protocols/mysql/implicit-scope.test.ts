import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { formatScopeEntry, type ScopeEntry, scopeCovers } from '../../core/index.ts'
import { classifyMysql, loadMysqlParser } from './classify.ts'
import { MYSQL_IMPLICIT_SCOPE, MYSQL_SCOPE_VERBS } from './implicit-scope.ts'

before(loadMysqlParser)

const implicitlyAllowed = (e: ScopeEntry) =>
  scopeCovers(MYSQL_IMPLICIT_SCOPE.allow, e) && !scopeCovers(MYSQL_IMPLICIT_SCOPE.except, e)

// What the mariadb CLI, mysql2, Connector/J and Workbench send on their own, before any user statement.
const DRIVER_CHATTER = [
  'select @@version_comment limit 1',
  'SELECT DATABASE()',
  'SELECT CURRENT_USER()',
  'show databases',
  'show tables',
  'SET NAMES utf8mb4',
  'SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci',
  'SET character_set_results = NULL',
  'SET autocommit=1',
  'SET @@session.autocommit = 1',
  'SELECT @@session.transaction_read_only',
  'SELECT @@max_allowed_packet, @@wait_timeout',
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  'SET SQL_SAFE_UPDATES = 1',
  "SHOW SESSION VARIABLES LIKE 'lower_case_table_names'",
  "SHOW VARIABLES WHERE Variable_name = 'language' OR Variable_name = 'net_write_timeout'",
  'SHOW WARNINGS',
  'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
  'START TRANSACTION',
  'COMMIT',
  'ROLLBACK',
  'USE app',
]

test('what drivers send on their own is implicitly allowed', () => {
  for (const sql of DRIVER_CHATTER) {
    const { action } = classifyMysql(sql, { database: 'app' })
    assert.equal(action.unclassified, undefined, `${sql}: ${action.unclassified}`)
    const missing = action.needs.filter((e) => !implicitlyAllowed(e))
    assert.deepEqual(missing.map(formatScopeEntry), [], sql)
  }
})

test('what changes lexing, integrity or the transaction mode needs an explicit grant', () => {
  for (const sql of [
    "SET sql_mode = 'ANSI_QUOTES'",
    'SET foreign_key_checks = 0',
    'START TRANSACTION READ WRITE',
    'SELECT * FROM mysql.user',
    'SELECT * FROM performance_schema.threads',
    'SET GLOBAL wait_timeout = 1',
  ]) {
    const { action } = classifyMysql(sql, { database: 'app' })
    assert.ok(
      action.needs.some((e) => !implicitlyAllowed(e)) || action.traits.includes('system-change'),
      `${sql} is implicitly allowed`,
    )
  }
})

test('every verb the classifier emits is a MySQL scope verb', () => {
  const corpus = [
    'SELECT * FROM t',
    'INSERT INTO t VALUES (1)',
    'UPDATE t SET a = 1 WHERE id = 1',
    'DELETE FROM t WHERE id = 1',
    'TRUNCATE t',
    'CREATE TABLE x (a INT)',
    'ALTER TABLE t ADD b INT',
    'DROP TABLE t',
    'CALL p()',
    'GRANT SELECT ON t TO u',
    'SET autocommit = 1',
    'SHOW TABLES',
    'BEGIN',
    'DEALLOCATE PREPARE s',
    'KILL 1',
    'FLUSH TABLES',
    'LOCK TABLES t READ',
  ]
  for (const sql of corpus) {
    for (const e of classifyMysql(sql, { database: 'app' }).action.needs)
      assert.ok(MYSQL_SCOPE_VERBS.includes(e.verb), `${sql}: ${e.verb}`)
  }
})
