// What the MySQL engine decides from the session's state and the server's estimates, end to end through the
// gateway in front of the machine's MariaDB with mysql2: a `rowsOver` rule fed by EXPLAIN FORMAT=JSON, the
// session's sql_mode (ANSI_QUOTES, NO_BACKSLASH_ESCAPES) moving where names and strings end, and the forms
// the grammar cannot read (`UPDATE t1, t2 …`, `TABLE t`) denied with the parser's message and a rewrite.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import mysql from 'mysql2/promise'
import type { IssuedCredential } from '../../../src/core/index.ts'
import { type MysqlGateway, startMysqlGateway } from '../../support/start-mysql-gateway.ts'

const connect = (g: MysqlGateway, credential: IssuedCredential) =>
  mysql.createConnection({
    host: '127.0.0.1',
    port: g.port,
    user: credential.connection.user,
    password: credential.connection.password,
    database: g.database,
    multipleStatements: true,
  })

const ROWS_OVER = `
guardrails:
  - id: no-bulk-reads
    description: reads of more than 500 rows go through the reporting replica
    action: deny
    match: { needs: ["select:$DB.events"], rowsOver: 500 }
`

test('mysql rowsOver: EXPLAIN FORMAT=JSON estimates decide, per statement', async () => {
  await using g = await startMysqlGateway({ extraConfig: ROWS_OVER })
  const root = await g.root()
  try {
    await root.query(`USE ${g.database}`)
    await root.query('CREATE TABLE events (id INT PRIMARY KEY, kind INT, KEY (kind))')
    // seq_1_to_2000: MariaDB's SEQUENCE engine.
    await root.query('INSERT INTO events SELECT seq, seq % 10 FROM seq_1_to_2000')
    await root.query('ANALYZE TABLE events')
  } finally {
    await root.end()
  }
  const { credential } = await g.grant('select:$DB.*')
  const c = await connect(g, credential)
  try {
    await assert.rejects(c.query('SELECT * FROM events'), {
      errno: 1142,
      message: /rule guardrail:no-bulk-reads/,
    })
    const [one] = await c.query('SELECT kind FROM events WHERE id = 7')
    assert.deepEqual(one, [{ kind: 7 }])
    // The same rule holds for a statement among several, and for a prepared one.
    await assert.rejects(c.query('SELECT 1; SELECT * FROM events WHERE kind >= 0'), {
      errno: 1142,
      message: /no-bulk-reads/,
    })
    await assert.rejects(c.execute('SELECT * FROM events WHERE id > ?', [0]), { errno: 1142 })
  } finally {
    await c.end()
  }
})

const SQL_MODE = `
guardrails:
  - { id: no-sql-mode-change, description: sql_mode may change in this test, action: "off" }
masking:
  rules:
    - { id: hide-email, columns: [email], style: redact }
`

test('mysql sql_mode: ANSI_QUOTES makes "email" a column, NO_BACKSLASH_ESCAPES ends a string early', async () => {
  await using g = await startMysqlGateway({ extraConfig: SQL_MODE })
  const { credential } = await g.grant('select:$DB.*,set:sql_mode')
  const c = await connect(g, credential)
  try {
    // Default mode: "email" is a string, comparing it reads no column.
    const [plain] = await c.query(`SELECT id FROM customers WHERE "email" LIKE 'e%' ORDER BY id`)
    assert.deepEqual(plain, [{ id: 1 }, { id: 2 }])
    await c.query("SET SESSION sql_mode = 'ANSI_QUOTES'")
    // Now "email" is the masked column: a predicate on it would answer what the mask hides.
    await assert.rejects(c.query(`SELECT id FROM customers WHERE "email" LIKE 'a%'`), {
      errno: 1142,
      message: /email/,
    })
    await c.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
    // One statement by default; under NO_BACKSLASH_ESCAPES the string ends at the backslash and a DELETE
    // follows, which the grant does not cover: the whole packet is refused.
    await assert.rejects(c.query("SELECT 'a\\'; DELETE FROM customers WHERE id = 1; -- '"), {
      errno: 1142,
      message: /missing scope: delete:/,
    })
  } finally {
    await c.end()
  }
  const root = await g.root()
  const [rows] = await root.query(`SELECT count(*) AS n FROM ${g.database}.customers`)
  await root.end()
  assert.deepEqual(rows, [{ n: 2 }])
})

test('mysql: UPDATE t1, t2 … and TABLE t are denied with the parser’s message and the form to write instead', async () => {
  await using g = await startMysqlGateway()
  const { credential } = await g.grant('select:$DB.*,update:$DB.*')
  const c = await connect(g, credential)
  try {
    await assert.rejects(
      c.query("UPDATE customers, customers AS c2 SET customers.name = 'x' WHERE customers.id = c2.id"),
      { errno: 1142, message: /rule unclassified.*Expected: SET.*UPDATE t1 JOIN t2 ON/ },
    )
    await assert.rejects(c.query('TABLE customers'), {
      errno: 1142,
      message: /rule unclassified.*SELECT \* FROM t/,
    })
    // The join form the grammar reads runs, needing update on the table it writes.
    const [result] = await c.query(
      "UPDATE customers JOIN customers AS c2 ON customers.id = c2.id SET customers.name = 'Ada' WHERE customers.id = 1",
    )
    // mysql2 asks for CLIENT_FOUND_ROWS: the row matched counts, changed or not.
    assert.equal((result as { affectedRows: number }).affectedRows, 1)
  } finally {
    await c.end()
  }
})
