// Outside review (MySQL classifier): only a qualified call (`db.f()`) needed execute. An unqualified name
// that is not a native function is a stored function of the current database, which may write and runs
// with its definer's rights: `SELECT wipe()` under a grant of `select` on one table deleted rows through a
// root-defined function. MariaDB's sequence functions wrote with no need at all: `SELECT SETVAL(s, 1)`.
// Unqualified stored functions now need execute like qualified ones (native names come from the server's
// own list, native-functions.ts), NEXTVAL/SETVAL need update on the sequence and LASTVAL select. Native
// functions that act beyond the statement (SLEEP, BENCHMARK, GET_LOCK and the other named locks, replication
// waits) need a grant naming them (`execute:sleep`), as PostgreSQL's pg_sleep and advisory locks do.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type mysql from 'mysql2/promise'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway
let root: mysql.Connection

before(async () => {
  g = await startMysqlGateway()
  root = await g.root()
  await root.query(`USE ${g.database}`)
  await root.query(
    'CREATE FUNCTION wipe() RETURNS INT MODIFIES SQL DATA BEGIN DELETE FROM customers; RETURN 1; END',
  )
  await root.query('CREATE SEQUENCE invoice_numbers')
})
after(async () => {
  await root.end()
  await g[Symbol.asyncDispose]()
})

const count = async () => {
  const [rows] = await root.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM customers')
  return rows[0]!.n as number
}

test('an unqualified stored function needs execute on it; a sequence function needs the sequence', async () => {
  const c = await g.connect((await g.grant('select:$DB.customers')).credential)
  try {
    await assert.rejects(c.query('SELECT wipe()'), {
      errno: 1142,
      message: new RegExp(`missing scope: execute:${g.database}\\.wipe`),
    })
    assert.equal(await count(), 2)
    await assert.rejects(c.query('SELECT SETVAL(invoice_numbers, 1000)'), {
      errno: 1142,
      message: new RegExp(`missing scope: update:${g.database}\\.invoice_numbers`),
    })
    await assert.rejects(c.query('SELECT NEXTVAL(invoice_numbers)'), { errno: 1142 })
    // Native functions, grammar-read ones included, need nothing of their own.
    const [rows] = await c.query(
      "SELECT COUNT(*) AS n, MAX(id) AS m, LEFT(name, 1) AS l, IF(id > 1, 'y', 'n') AS i, DATE_FORMAT(NOW(), '%Y') > '2000' AS d FROM customers GROUP BY l, i",
    )
    assert.equal((rows as unknown[]).length, 2)
  } finally {
    await c.end()
  }
  const wider = await g.connect((await g.grant('select:$DB.customers,execute:$DB.wipe')).credential)
  try {
    await wider.query('SELECT wipe()')
    assert.equal(await count(), 0)
  } finally {
    await wider.end()
  }
})

test('SLEEP, BENCHMARK and named locks need a grant naming them, as pg_sleep and advisory locks do', async () => {
  const c = await g.connect((await g.grant('select:$DB.customers')).credential)
  try {
    for (const [sql, fn] of [
      ['SELECT SLEEP(0)', 'sleep'],
      ["SELECT BENCHMARK(1, MD5('a'))", 'benchmark'],
      ["SELECT GET_LOCK('deploy', 0)", 'get_lock'],
      ['SELECT id FROM customers WHERE SLEEP(0) = 0', 'sleep'],
    ] as const)
      await assert.rejects(
        c.query(sql),
        { errno: 1142, message: new RegExp(`missing scope: execute:${fn}\\b`) },
        sql,
      )
  } finally {
    await c.end()
  }
  const wider = await g.connect((await g.grant('select:$DB.customers,execute:sleep')).credential)
  try {
    const [rows] = await wider.query('SELECT SLEEP(0) AS s')
    assert.deepEqual(rows, [{ s: 0 }])
  } finally {
    await wider.end()
  }
})
