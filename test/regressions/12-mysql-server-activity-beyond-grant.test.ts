// Outside review (MySQL): with a target account that sees the whole server (root, as many static targets
// are), a grant of one table could read what it never named:
// - SHOW forms the grammar does not know parse as a bag of words (ShowVariable) with the WHERE's subquery
//   dropped: `SHOW FUNCTION STATUS WHERE (SELECT s FROM secrets …) LIKE 't%'` answered a yes/no question
//   about another table, unchecked (and about a masked column, with no `allowPredicates`, even under a
//   provisioned account);
// - `information_schema.*` and `show:*` were implied whole: information_schema.PROCESSLIST, SHOW FULL
//   PROCESSLIST and SHOW ENGINE INNODB STATUS showed other sessions' statements with their literals.
// Now such a SHOW filter is refused, information_schema is an allow-list of the tables clients read, and the
// server-activity SHOWs need `show:processlist` / `show:engine` / `show:binlog` granted explicitly.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type mysql from 'mysql2/promise'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway
let root: mysql.Connection
let busy: mysql.Connection
let running: Promise<unknown>

before(async () => {
  g = await startMysqlGateway()
  root = await g.root()
  await root.query(`CREATE TABLE ${g.database}.secrets (id INT, s VARCHAR(50))`)
  await root.query(`INSERT INTO ${g.database}.secrets VALUES (1, 'topsecret')`)
  // Another session's statement, running while the tests look for it.
  busy = await g.root()
  running = busy.query("SELECT SLEEP(30), 'OTHER-SESSION-LITERAL'").catch(() => {})
})
after(async () => {
  await root.query(`KILL ${busy.threadId}`).catch(() => {})
  await running
  await busy.end().catch(() => {})
  await root.end()
  await g[Symbol.asyncDispose]()
})

test('a subquery in a SHOW filter the grammar does not parse is refused, not run unchecked', async () => {
  const { credential } = await g.grant('select:$DB.customers')
  const c = await g.connect(credential)
  try {
    for (const sql of [
      "SHOW FUNCTION STATUS WHERE (SELECT s FROM secrets LIMIT 1) LIKE 't%'",
      "SHOW TABLE STATUS WHERE (SELECT s FROM secrets LIMIT 1) LIKE 't%'",
      "SHOW ENGINES WHERE (SELECT s FROM secrets LIMIT 1) LIKE 't%'",
    ])
      await assert.rejects(
        c.query(sql),
        { errno: 1142, message: /SHOW form the gateway does not parse/ },
        sql,
      )
    // What clients send still runs.
    for (const sql of ['SHOW TABLES', 'SHOW INDEX FROM customers', 'SHOW WARNINGS', 'SHOW ENGINES'])
      await c.query(sql)
  } finally {
    await c.end()
  }
})

test("other sessions' statements need an explicit grant; the schema tables clients read do not", async () => {
  const { credential } = await g.grant('select:$DB.customers')
  const c = await g.connect(credential)
  try {
    for (const sql of [
      'SELECT info FROM information_schema.PROCESSLIST',
      'SELECT * FROM information_schema.INNODB_TRX',
      'SHOW FULL PROCESSLIST',
      'SHOW ENGINE INNODB STATUS',
      'SHOW BINLOG EVENTS',
    ])
      await assert.rejects(
        c.query(sql),
        { errno: 1142, message: /missing scope: show:|missing scope: select:information_schema/ },
        sql,
      )
    const [tables] = await c.query(
      'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1',
    )
    assert.deepEqual(tables, [{ TABLE_NAME: 'customers' }, { TABLE_NAME: 'secrets' }])
  } finally {
    await c.end()
  }
  const wider = await g.connect((await g.grant('select:$DB.customers,show:processlist')).credential)
  try {
    const [rows] = await wider.query('SHOW FULL PROCESSLIST')
    assert.ok(JSON.stringify(rows).includes('OTHER-SESSION-LITERAL'))
  } finally {
    await wider.end()
  }
})
