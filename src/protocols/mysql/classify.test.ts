import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { classifyMysql, createMysqlClassifier, loadMysqlParser } from './classify.ts'

before(loadMysqlParser)

const db = { database: 'app' }

/** [text, needs (sorted verb:object), traits that must be present, traits that must be absent] */
type Case = [string, string[], string[]?, string[]?]

const allowed = (sql: string, needs: string[], present: string[] = [], absent: string[] = []) => {
  const { action } = classifyMysql(sql, db)
  assert.equal(action.unclassified, undefined, `${sql}: ${action.unclassified}`)
  assert.deepEqual(action.needs.map((e) => `${e.verb}:${e.object}`).sort(), [...needs].sort(), sql)
  for (const t of present)
    assert.ok(action.traits.includes(t), `${sql}: trait ${t} missing (${action.traits})`)
  for (const t of absent) assert.ok(!action.traits.includes(t), `${sql}: trait ${t} present`)
}

// Real statements as the mysql CLI, mysqldump, ORMs, Workbench and people send them.
const CORPUS: Case[] = [
  ['SELECT * FROM users WHERE id = 1', ['select:app.users'], ['read-only']],
  ['select id, email from app.users where id = ?', ['select:app.users'], ['read-only']],
  ['SELECT `u`.`id` FROM `shop`.`orders` AS `u` LIMIT 10', ['select:shop.orders'], ['read-only']],
  ['SELECT 1', [], ['read-only']],
  ['SELECT .5 + 1.5e-3 FROM t', ['select:app.t']],
  ['SELECT 1 FROM DUAL', [], ['read-only']],
  ['SELECT @@version_comment LIMIT 1', [], ['read-only']],
  ['SELECT DATABASE(), USER() LIMIT 1', [], ['read-only']],
  [
    'select * from a join b on a.id = b.a_id left join c using (id)',
    ['select:app.a', 'select:app.b', 'select:app.c'],
  ],
  ['SELECT * FROM t WHERE x IN (SELECT y FROM secret.s)', ['select:app.t', 'select:secret.s']],
  ['SELECT (SELECT max(v) FROM m) AS mx FROM t', ['select:app.m', 'select:app.t']],
  ['SELECT * FROM (SELECT * FROM inner_t) AS d', ['select:app.inner_t']],
  ['WITH c AS (SELECT * FROM base) SELECT * FROM c', ['select:app.base']],
  ['WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r', []],
  ['WITH s AS (SELECT * FROM s) SELECT * FROM s', ['select:app.s']],
  [
    'WITH x AS (SELECT * FROM s) UPDATE t SET a = (SELECT 1 FROM x) WHERE id = 1',
    ['select:app.s', 'select:app.t', 'update:app.t', 'select:app.x'],
    ['writes'],
    ['read-only'],
  ],
  [
    'WITH t AS (SELECT 1) DELETE FROM t',
    ['delete:app.t', 'select:app.t'],
    ['writes', 'unbounded-write'],
    ['read-only'],
  ],
  [
    'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x',
    ['insert:app.t', 'select:app.x'],
    ['writes'],
    ['read-only'],
  ],
  ['INSERT INTO t (a) VALUES (1) RETURNING id', ['insert:app.t', 'select:app.t']],
  ['SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) d, x', ['select:app.x']],
  ['SELECT a FROM t UNION SELECT b FROM u', ['select:app.t', 'select:app.u']],
  ['SELECT * FROM t FOR UPDATE', ['select:app.t'], ['row-lock'], ['read-only']],
  ['SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 5', ['select:app.t']],
  ['SELECT COUNT(*) FROM t GROUP BY a HAVING COUNT(*) > 1 ORDER BY 1 DESC', ['select:app.t']],
  ['SELECT app2.f(1)', ['execute:app2.f']],
  ["INSERT INTO users (email) VALUES ('a@b.c')", ['insert:app.users'], ['writes'], ['read-only']],
  ['INSERT INTO t VALUES (1),(2),(3)', ['insert:app.t']],
  ['INSERT INTO t SET a = 1', ['insert:app.t']],
  ['INSERT INTO t SELECT * FROM u', ['insert:app.t', 'select:app.u']],
  [
    'INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a) + 1',
    ['insert:app.t', 'update:app.t'],
  ],
  ['INSERT IGNORE INTO t (a) VALUES (1)', ['insert:app.t']],
  ['REPLACE INTO t (id, a) VALUES (1, 2)', ['insert:app.t', 'delete:app.t']],
  [
    "UPDATE users SET email = 'x' WHERE id = 3",
    ['update:app.users', 'select:app.users'],
    ['writes'],
    ['unbounded-write'],
  ],
  ['UPDATE users SET active = 0', ['update:app.users', 'select:app.users'], ['unbounded-write']],
  ['UPDATE users SET a = 1 WHERE 1 = 1', ['update:app.users', 'select:app.users'], ['unbounded-write']],
  ['UPDATE users SET a = 1 WHERE id = id', ['update:app.users', 'select:app.users'], ['unbounded-write']],
  ['UPDATE users SET a = 1 WHERE id = 1 OR 1', ['update:app.users', 'select:app.users'], ['unbounded-write']],
  [
    'UPDATE users SET a = 1 WHERE id = 1 AND 1',
    ['update:app.users', 'select:app.users'],
    [],
    ['unbounded-write'],
  ],
  [
    'UPDATE users SET a = 1 WHERE email IS NOT NULL',
    ['update:app.users', 'select:app.users'],
    ['unbounded-write'],
  ],
  [
    'UPDATE users SET a = 1 WHERE NOT (id <> id)',
    ['update:app.users', 'select:app.users'],
    ['unbounded-write'],
  ],
  [
    'UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.b = t2.b WHERE t2.c = 1',
    ['update:app.t1', 'select:app.t1', 'select:app.t2'],
  ],
  [
    'UPDATE orders o JOIN customers c ON o.cid = c.id SET o.flag = 1, c.seen = 1 WHERE c.id = 5',
    ['update:app.orders', 'update:app.customers', 'select:app.orders', 'select:app.customers'],
  ],
  [
    'DELETE FROM sessions WHERE expires < NOW()',
    ['delete:app.sessions', 'select:app.sessions'],
    [],
    ['unbounded-write'],
  ],
  ['DELETE FROM sessions', ['delete:app.sessions', 'select:app.sessions'], ['unbounded-write']],
  ['DELETE FROM logs WHERE id = 1 LIMIT 1', ['delete:app.logs', 'select:app.logs']],
  [
    'DELETE t1, t2 FROM t1 INNER JOIN t2 ON t1.id = t2.ref WHERE t1.id = 1',
    ['delete:app.t1', 'delete:app.t2', 'select:app.t1', 'select:app.t2'],
  ],
  [
    'DELETE a FROM orders a JOIN archive.keep k ON a.id = k.id WHERE k.flag = 1',
    ['delete:app.orders', 'select:app.orders', 'select:archive.keep'],
  ],
  [
    'DELETE FROM t1, t2 USING t1 INNER JOIN t2 INNER JOIN t3 WHERE t1.id = t2.id AND t2.id = t3.id',
    ['delete:app.t1', 'delete:app.t2', 'select:app.t1', 'select:app.t2', 'select:app.t3'],
  ],
  ['DELETE FROM t WHERE id IN (SELECT id FROM other.x)', ['delete:app.t', 'select:app.t', 'select:other.x']],
  ['DROP TABLE t', ['drop:app.t'], ['destructive-ddl', 'ddl']],
  ['DROP TABLE IF EXISTS a, other.b', ['drop:app.a', 'drop:other.b'], ['destructive-ddl']],
  ['DROP DATABASE shop', ['drop:shop.*'], ['destructive-ddl']],
  ['DROP INDEX idx_a ON t', ['alter:app.t'], ['destructive-ddl']],
  ['TRUNCATE TABLE audit_log', ['truncate:app.audit_log'], ['destructive-ddl', 'unbounded-write']],
  [
    'CREATE TABLE t2 (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
    ['create:app.t2'],
    ['ddl'],
  ],
  ['CREATE TABLE copy AS SELECT * FROM src', ['create:app.copy', 'select:app.src']],
  ['CREATE VIEW v AS SELECT a FROM base.t', ['create:app.v', 'select:base.t'], ['ddl']],
  ['CREATE INDEX idx ON t (a, b)', ['alter:app.t'], ['ddl']],
  ['CREATE DATABASE IF NOT EXISTS newdb', ['create:newdb.*']],
  ['ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0', ['alter:app.t'], ['ddl'], ['destructive-ddl']],
  ['ALTER TABLE t DROP COLUMN c', ['alter:app.t'], ['destructive-ddl']],
  ['RENAME TABLE a TO b', ['alter:app.a', 'drop:app.a', 'create:app.b']],
  ['ALTER TABLE a RENAME TO other.b', ['alter:app.a', 'drop:app.a', 'create:other.b']],
  ['CREATE TABLE t SELECT * FROM s', ['create:app.t', 'select:app.s']],
  ['SELECT * FROM t1 NATURAL JOIN t2', ['select:app.t1', 'select:app.t2']],
  ['SELECT * FROM db.t AS x WHERE x.a = (SELECT 1 FROM u WHERE u.b = x.b)', ['select:db.t', 'select:app.u']],
  ['SELECT * FROM APP.T', ['select:app.t']],
  ['START TRANSACTION', ['transaction:*'], ['read-only']],
  ['START TRANSACTION READ WRITE', ['transaction:*', 'transaction:read-write']],
  ['BEGIN', ['transaction:*']],
  ['COMMIT', ['transaction:*']],
  ['ROLLBACK', ['transaction:*']],
  ['SAVEPOINT s1', ['transaction:*']],
  ['SET NAMES utf8mb4', ['set:names'], ['read-only']],
  ['SET autocommit = 1', ['set:autocommit']],
  ['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', ['transaction:*']],
  ['SET @a = 1', []],
  ['SET @a = (SELECT k FROM vault.keys LIMIT 1)', ['select:vault.keys']],
  ['SET @@session.sql_select_limit = (SELECT COUNT(*) FROM t)', ['set:sql_select_limit', 'select:app.t']],
  [
    'SHOW VARIABLES WHERE Variable_name = (SELECT k FROM vault.keys LIMIT 1)',
    ['show:*', 'select:vault.keys'],
  ],
  ['SHOW TABLES WHERE x = (SELECT 1 FROM s)', ['show:*', 'select:app.s']],
  ['SET character_set_results = NULL', ['set:character_set_results']],
  ['SET GLOBAL max_connections = 1000', ['set:max_connections'], ['system-change'], ['read-only']],
  ['SET @@global.read_only = 0', ['set:read_only'], ['system-change']],
  ['SELECT @@global.max_connections, @@GLOBAL.read_only', [], ['read-only'], ['system-change']],
  ["SET @@session.sql_mode = ''", ['set:sql_mode'], ['sql-mode-change'], ['system-change']],
  ["SET sql_mode = 'ANSI_QUOTES'", ['set:sql_mode'], ['sql-mode-change']],
  ['SHOW DATABASES', ['show:*'], ['read-only']],
  ['SHOW TABLES', ['show:*']],
  ["SHOW FULL TABLES FROM app LIKE 'u%'", ['show:*']],
  ['SHOW CREATE TABLE users', ['show:app.users']],
  ["SHOW VARIABLES LIKE 'max_allowed_packet'", ['show:*']],
  ['SHOW WARNINGS', ['show:*']],
  ['DESCRIBE users', ['show:app.users']],
  ['EXPLAIN SELECT * FROM users', ['select:app.users'], ['explain', 'read-only']],
  ['EXPLAIN FORMAT=JSON SELECT * FROM users WHERE id = 1', ['select:app.users']],
  ['EXPLAIN DELETE FROM users', ['delete:app.users', 'select:app.users'], ['unbounded-write']],
  ['USE shop', [], ['read-only']],
  ['CALL refresh_stats(1)', ['execute:app.refresh_stats']],
  ['KILL 42', ['kill:*']],
  ['FLUSH PRIVILEGES', ['flush:*'], ['system-change']],
  ['LOCK TABLES t READ', ['lock:app.t'], ['table-lock']],
  ['UNLOCK TABLES', []],
  ['GRANT SELECT ON app.t TO bob', ['grant:*'], ['privilege-change']],
  ["GRANT ALL ON *.* TO 'u'@'%'", ['grant:*'], ['privilege-change']],
  ['DEALLOCATE PREPARE s1', ['deallocate:*']],
  // Executable comments are code: what MariaDB runs is what is classified.
  ['SELECT 1 /*!, (SELECT secret FROM vault.keys) */', ['select:vault.keys']],
  ['SELECT 1 /*!50001 , (SELECT secret FROM vault.keys) */', ['select:vault.keys']],
  ['SELECT 1 /*M!100100 , (SELECT secret FROM vault.keys) */', ['select:vault.keys']],
  ['/*!40101 SET NAMES utf8mb4 */', ['set:names']],
  ['/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */', ['set:unique_checks']],
  ['SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t', ['select:app.t']],
  // Comments and strings are lexed the server's way.
  ['SELECT 1 --1\n, a FROM t', ['select:app.t']],
  ['SELECT 1 # FROM secret\n FROM t', ['select:app.t']],
  ["SELECT 'a\\' FROM secret' FROM t", ['select:app.t']],
  ['SELECT "it""s" FROM t', ['select:app.t']],
]

test(`a corpus of ${CORPUS.length} real MySQL statements classifies as expected`, () => {
  assert.ok(CORPUS.length >= 60)
  for (const [sql, needs, present, absent] of CORPUS) allowed(sql, needs, present, absent)
})

/** [text, trait the denial carries] for statements the parser cannot read: denied, guardrail named. */
const DENIED: [string, string | undefined][] = [
  ["LOAD DATA INFILE '/etc/passwd' INTO TABLE t", 'server-file'],
  ["LOAD DATA LOCAL INFILE 'x.csv' INTO TABLE t", 'client-file'],
  ["SELECT * FROM t INTO OUTFILE '/tmp/x'", 'server-file'],
  ["SELECT a FROM t INTO DUMPFILE '/tmp/y'", 'server-file'],
  ['HANDLER t OPEN', 'handler'],
  ["PREPARE s FROM 'SELECT * FROM secret'", 'dynamic-sql'],
  ["EXECUTE IMMEDIATE 'DROP TABLE t'", 'dynamic-sql'],
  ["INSTALL PLUGIN x SONAME 'ha_x.so'", 'system-change'],
  ["INSTALL SONAME 'auth_ed25519'", 'system-change'],
  ["CREATE USER 'u'@'%' IDENTIFIED BY 'pw'", 'role-change'],
  ["SET PASSWORD FOR 'u'@'%' = PASSWORD('x')", 'role-change'],
  ['SELECT * FROM t WHERE', undefined],
  ["SELECT 'unterminated", undefined],
  ['SELECT 1 /*! , 2', undefined],
  ['SELECT 1 /*! /*! 2 */ */', undefined],
  ['SELECT 1 /*! , 2 /* x */ , (SELECT k FROM vault.keys) */', undefined],
  ['SELECT 1\0', undefined],
  ['OPTIMIZE TABLE t', undefined],
  ['EXECUTE s1', 'dynamic-sql'],
  ['SELECT * FROM a.b.c', undefined],
]

test('what does not lex or parse is denied with the reason, and guardrail traits still show', () => {
  for (const [sql, trait] of DENIED) {
    const { action } = classifyMysql(sql, db)
    assert.ok(action.unclassified, `${sql} should be unclassified`)
    if (trait) assert.ok(action.traits.includes(trait), `${sql}: ${trait} missing (${action.traits})`)
    assert.ok(!action.traits.includes('read-only'), sql)
  }
  assert.match(classifyMysql('SELECT * FROM t WHERE', db).action.unclassified!, /does not parse: .*Expected/)
})

test('unqualified names without a current database are unclassified', () => {
  assert.match(classifyMysql('SELECT * FROM t').action.unclassified!, /no database/)
  assert.equal(classifyMysql('SELECT * FROM app.t').action.unclassified, undefined)
})

test('NO_BACKSLASH_ESCAPES and ANSI_QUOTES change where strings end, and so what is classified', () => {
  const sql = "SELECT 'a\\' , (SELECT k FROM vault.keys) -- '"
  const plain = classifyMysql(`${sql}\n FROM t`, db).action
  assert.deepEqual(
    plain.needs.map((e) => e.object),
    ['app.t'],
  )
  const noEscapes = classifyMysql(`${sql}\n FROM t`, { ...db, noBackslashEscapes: true }).action
  assert.deepEqual(noEscapes.needs.map((e) => e.object).sort(), ['app.t', 'vault.keys'])
  assert.deepEqual(classifyMysql('SELECT * FROM "secret"', { ...db, ansiQuotes: true }).action.needs, [
    { verb: 'select', object: 'app.secret' },
  ])
})

test('USE reports the database the session switches to', () => {
  assert.equal(classifyMysql('USE `shop`', db).usesDatabase, 'shop')
})

test('several statements are one Action: the union, marked multi-statement', () => {
  const { action } = classifyMysql('SELECT * FROM a; DELETE FROM b', db)
  assert.deepEqual(action.needs.map((e) => `${e.verb}:${e.object}`).sort(), [
    'delete:app.b',
    'select:app.a',
    'select:app.b',
  ])
  assert.ok(action.traits.includes('multi-statement'))
  assert.ok(action.traits.includes('unbounded-write'))
})

test('the cache: texts differing in literals share a template, names and modes do not', () => {
  const classifier = createMysqlClassifier({ maxEntries: 3 })
  const a = classifier.classify('SELECT * FROM t WHERE id = 1', db)
  const b = classifier.classify('SELECT * FROM t WHERE id = 22 /* c */', db)
  assert.equal(classifier.size, 1)
  assert.equal(b.action.text, 'SELECT * FROM t WHERE id = 22 /* c */')
  assert.deepEqual(a.action.needs, b.action.needs)
  assert.deepEqual(classifier.classify('SELECT * FROM t WHERE id = 1', { database: 'other' }).action.needs, [
    { verb: 'select', object: 'other.t' },
  ])
  classifier.classify('SELECT * FROM u', db)
  assert.equal(classifier.size, 2)
  const sql = "SELECT 'a\\' , (SELECT k FROM vault.keys) -- '\n FROM t"
  assert.deepEqual(classifier.classify(sql, db).action.needs.length, 1)
  assert.deepEqual(classifier.classify(sql, { ...db, noBackslashEscapes: true }).action.needs.length, 2)
  classifier.classify('SELECT * FROM v', db)
  classifier.classify('SELECT * FROM w', db)
  assert.equal(classifier.size, 3, 'bounded')
  // Unparsable texts are never cached.
  classifier.classify('SELECT FROM WHERE', db)
  assert.equal(classifier.size, 3)
  // A cached decision equals a fresh one over the corpus.
  const fresh = createMysqlClassifier()
  for (const [text] of CORPUS) {
    fresh.classify(text, db)
    assert.deepEqual(fresh.classify(text, db), classifyMysql(text, db), text)
  }
})

test('the cache key never merges names: a number after a dot is a name, not a literal', () => {
  const classifier = createMysqlClassifier()
  classifier.classify('SELECT * FROM d.1t', db)
  assert.deepEqual(classifier.classify('SELECT * FROM d.2t', db).action.needs, [
    { verb: 'select', object: 'd.2t' },
  ])
  classifier.classify('SELECT * FROM d.`1`', db)
  assert.deepEqual(classifier.classify('SELECT * FROM d.`2`', db).action.needs, [
    { verb: 'select', object: 'd.2' },
  ])
  assert.ok(classifier.classify('SELECT * FROM d.2', db).action.unclassified)
})
