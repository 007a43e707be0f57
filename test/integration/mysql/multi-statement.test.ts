// Several statements in one COM_QUERY (CLIENT_MULTI_STATEMENTS, as Workbench applies an edit) through the
// real gateway in front of the machine's MariaDB: each statement decided and recorded on its own, the
// whole packet refused when one part is, with mysql2 `multipleStatements` and the mariadb CLI's DELIMITER.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import type { ActionRecord, IssuedCredential } from '../../../src/core/index.ts'
import { type MysqlGateway, startMysqlGateway } from '../../support/start-mysql-gateway.ts'

const run = promisify(execFile)

const connect = (g: MysqlGateway, credential: IssuedCredential, multipleStatements = true) =>
  mysql.createConnection({
    host: '127.0.0.1',
    port: g.port,
    user: credential.connection.user,
    password: credential.connection.password,
    database: g.database,
    multipleStatements,
  })

/** The session's records once `until` holds (recording is batched). */
async function records(
  g: MysqlGateway,
  grantId: string,
  until: (a: ActionRecord[]) => boolean,
): Promise<ActionRecord[]> {
  let actions: ActionRecord[] = []
  for (let i = 0; i < 100; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId })
    if (session) actions = (await g.gateway.core.getSession(g.admin, session.id)).actions
    if (until(actions)) return actions
    await sleep(50)
  }
  return actions
}

test('mysql multi-statement: each statement runs, decided and recorded on its own', async () => {
  await using g = await startMysqlGateway()
  const { grant, credential } = await g.grant('select:$DB.*,update:$DB.*')
  const c = await connect(g, credential)
  try {
    const [results] = await c.query(
      "SELECT 1 AS a; SELECT name FROM customers WHERE id = 1; UPDATE customers SET name = 'Ada L.' WHERE id = 1",
    )
    const [one, names, update] = results as unknown as [unknown, unknown, { affectedRows: number }]
    assert.deepEqual(one, [{ a: 1 }])
    assert.deepEqual(names, [{ name: 'Ada' }])
    assert.equal(update.affectedRows, 1)
    // A failing statement stops the server: the one after it never runs, and is recorded so.
    await assert.rejects(c.query('SELECT 2; SELECT * FROM no_such_table; SELECT 3'), { errno: 1146 })
  } finally {
    await c.end()
  }
  const actions = await records(g, grant.id, (a) => a.some((r) => r.text === 'SELECT 3'))
  const byText = (text: string) => actions.find((a) => a.text === text)
  assert.equal(byText('SELECT name FROM customers WHERE id = 1')?.rowCount, 1)
  assert.deepEqual(byText("UPDATE customers SET name = 'Ada L.' WHERE id = 1")?.needs, [
    { verb: 'select', object: `${g.database}.customers` },
    { verb: 'update', object: `${g.database}.customers` },
  ])
  assert.equal(byText('SELECT 2')?.error, undefined)
  assert.match(byText('SELECT * FROM no_such_table')?.error ?? '', /42S02/)
  assert.match(byText('SELECT 3')?.error ?? '', /not run/)
})

test('mysql multi-statement: one denied statement refuses the whole packet, none of it runs', async () => {
  await using g = await startMysqlGateway()
  const { grant, credential } = await g.grant('select:$DB.*,update:$DB.*')
  const c = await connect(g, credential)
  try {
    await assert.rejects(
      c.query("UPDATE customers SET name = 'X' WHERE id = 2; DELETE FROM customers WHERE id = 2"),
      (e: { errno?: number; message: string }) => {
        assert.equal(e.errno, 1142)
        assert.match(e.message, /missing scope: delete:tg_seam_\w+\.customers/)
        assert.match(e.message, /taskgate grant request/)
        return true
      },
    )
    // A `;` inside a string, a quoted name or a comment ends nothing.
    const [rows] = await c.query("SELECT 'a;DELETE FROM customers' AS s /* ; DROP TABLE customers */")
    assert.deepEqual(rows, [{ s: 'a;DELETE FROM customers' }])
    // Refused in a multi-statement command: a compound statement, a sql_mode change before other statements.
    await assert.rejects(c.query('CREATE PROCEDURE p() BEGIN SELECT 1; DELETE FROM customers; END'), {
      errno: 1142,
      message: /compound statement/,
    })
    await assert.rejects(c.query("SET NAMES gbk; SELECT 'x'"), { errno: 1142, message: /must be the last/ })
  } finally {
    await c.end()
  }
  const root = await g.root()
  const [rows] = await root.query(`SELECT name FROM ${g.database}.customers WHERE id = 2`)
  await root.end()
  assert.deepEqual(rows, [{ name: 'Grace' }], 'the allowed UPDATE before the denied DELETE never ran')
  const actions = await records(g, grant.id, (a) => a.some((r) => r.outcome === 'deny'))
  assert.match(actions.find((a) => a.text.startsWith('UPDATE'))?.error ?? '', /not run/)
})

test('mysql multi-statement: a USE in the text moves where later unqualified names resolve', async () => {
  await using g = await startMysqlGateway()
  const other = `${g.database}_b`
  const root = await g.root()
  await root.query(`CREATE DATABASE ${other}`)
  await root.query(`CREATE TABLE ${other}.customers (id INT)`)
  await root.query(`CREATE TABLE ${other}.notes (id INT)`)
  await root.end()
  try {
    const { credential } = await g.grant(`select:$DB.*,select:${other}.notes`)
    const c = await connect(g, credential)
    try {
      await assert.rejects(c.query(`USE ${other}; SELECT * FROM customers`), {
        errno: 1142,
        message: new RegExp(`missing scope: select:${other}\\.customers`),
      })
      const [results] = await c.query(`USE ${other}; SELECT count(*) AS n FROM notes`)
      assert.deepEqual((results as unknown[])[1], [{ n: 0 }])
      // The session's database is now the other one.
      await assert.rejects(c.query('SELECT * FROM customers'), { errno: 1142 })
    } finally {
      await c.end()
    }
  } finally {
    const cleanup = await g.root()
    await cleanup.query(`DROP DATABASE ${other}`)
    await cleanup.end()
  }
})

test('mysql multi-statement: without CLIENT_MULTI_STATEMENTS several statements are refused; the CLI sends them with DELIMITER', async () => {
  await using g = await startMysqlGateway()
  const { credential } = await g.grant('select:$DB.*')
  const single = await connect(g, credential, false)
  try {
    await assert.rejects(single.query('SELECT 1; SELECT 2'), {
      errno: 1142,
      message: /send them one at a time/,
    })
  } finally {
    await single.end()
  }
  const { stdout } = await run(
    'mariadb',
    [
      '-h127.0.0.1',
      `-P${g.port}`,
      `-u${credential.connection.user}`,
      `-D${g.database}`,
      '--batch',
      '--skip-column-names',
      '--skip-ssl',
      '-e',
      'DELIMITER //\nSELECT 1; SELECT name FROM customers WHERE id = 2//',
    ],
    { timeout: 30_000, env: { PATH: process.env.PATH, MYSQL_PWD: credential.connection.password } },
  )
  assert.equal(stdout, '1\nGrace\n')
})
