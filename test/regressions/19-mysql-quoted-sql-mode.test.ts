// `sql_mode` written as a quoted identifier (SET `sql_mode` = 'ANSI_QUOTES') is the same variable to the
// server, but the lexical scan read it as another word: the built-in rule no-sql-mode-change did not see it,
// and the session never read sql_mode back, so the gateway kept lexing "…" as a string where the server read
// an identifier. `SELECT 1 AS "\", v FROM secret -- " FROM customers` then read a table outside the grant.
// The same for a SET sql_mode run as a prepared statement (COM_STMT_EXECUTE) once the rule is switched off.
// Real MariaDB, real gateway, mysql2.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import mysql from 'mysql2/promise'
import type { IssuedCredential } from '../../src/core/index.ts'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

const connect = (g: MysqlGateway, credential: IssuedCredential) =>
  mysql.createConnection({
    host: '127.0.0.1',
    port: g.port,
    user: credential.connection.user,
    password: credential.connection.password,
    database: g.database,
  })

/** Under ANSI_QUOTES the server reads `v FROM secret`; the gateway, lexing "…" as a string, reads customers. */
const TWO_READINGS = 'SELECT 1 AS "\\", v FROM secret -- " FROM customers'

async function withSecret(g: MysqlGateway): Promise<void> {
  const root = await g.root()
  await root.query(`CREATE TABLE ${g.database}.secret (v VARCHAR(50))`)
  await root.query(`INSERT INTO ${g.database}.secret VALUES ('TOPSECRET')`)
  await root.end()
}

test('SET `sql_mode` (quoted) is a sql_mode change: the built-in rule denies it', async () => {
  await using g = await startMysqlGateway()
  await withSecret(g)
  const { credential } = await g.grant('select:$DB.customers,set:sql_mode')
  const c = await connect(g, credential)
  try {
    for (const sql of [
      "SET `sql_mode` = 'ANSI_QUOTES'",
      "SET @@session.`sql_mode` = 'ANSI_QUOTES'",
      "SET SESSION `SQL_MODE` = 'ANSI_QUOTES'",
    ])
      await assert.rejects(c.query(sql), { errno: 1142, message: /no-sql-mode-change/ }, sql)
    const [rows] = await c.query(TWO_READINGS)
    assert.doesNotMatch(JSON.stringify(rows), /TOPSECRET/)
  } finally {
    await c.end()
  }
})

test('with the rule off, a quoted or prepared SET sql_mode is read back before the next statement', async () => {
  await using g = await startMysqlGateway({
    extraConfig: `
guardrails:
  - { id: no-sql-mode-change, description: sql_mode may change in this test, action: "off" }
`,
  })
  await withSecret(g)
  const { credential } = await g.grant('select:$DB.customers,set:sql_mode')
  for (const change of [
    (c: mysql.Connection) => c.query("SET `sql_mode` = 'ANSI_QUOTES'"),
    (c: mysql.Connection) => c.execute("SET sql_mode = 'ANSI_QUOTES'"),
  ]) {
    const c = await connect(g, credential)
    try {
      await change(c)
      const [mode] = await c.query('SELECT @@sql_mode AS m')
      assert.match(JSON.stringify(mode), /ANSI_QUOTES/)
      await assert.rejects(c.query(TWO_READINGS), { errno: 1142, message: /missing scope: select:.*secret/ })
    } finally {
      await c.end()
    }
  }
})
