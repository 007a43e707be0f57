// Row estimates from the real MariaDB's optimizer, on a connection of the session's own account.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { AdminConnection } from '../../../src/protocols/mysql/admin-connection.ts'
import type { MysqlTarget } from '../../../src/protocols/mysql/back.ts'
import { MysqlRowEstimator } from '../../../src/protocols/mysql/row-estimator.ts'

const target: MysqlTarget = { host: '127.0.0.1', port: 3306, tls: 'disable' }
const root = { user: 'root', password: '' }
const db = `tg_rows_${randomBytes(3).toString('hex')}`

const admin = async (...statements: string[]) => {
  const conn = await AdminConnection.open(target, root)
  try {
    for (const sql of statements) await conn.query(sql)
  } finally {
    conn.close()
  }
}

before(() =>
  admin(
    `CREATE DATABASE ${db}`,
    `CREATE TABLE ${db}.t (id INT PRIMARY KEY, v INT)`,
    `INSERT INTO ${db}.t SELECT seq, seq FROM ${db}.seq_1_to_1000`,
    `ANALYZE TABLE ${db}.t`,
  ),
)
after(() => admin(`DROP DATABASE IF EXISTS ${db}`))

test('EXPLAIN FORMAT=JSON estimates reads and writes; what it cannot estimate is unknown', async () => {
  const estimator = new MysqlRowEstimator(target, { ...root, database: db })
  try {
    assert.equal(await estimator.estimate('SELECT * FROM t', 'Query'), 1000)
    assert.equal(await estimator.estimate('UPDATE t SET v = 0', 'Update'), 1000)
    const few = await estimator.estimate('DELETE FROM t WHERE id < 10', 'Delete')
    assert.ok(few !== undefined && few < 20, String(few))
    assert.equal(await estimator.estimate('SELECT * FROM no_such_table', 'Query'), undefined)
    assert.equal(await estimator.estimate('SELECT * FROM t WHERE id = ?', 'Query'), undefined)
    assert.equal(await estimator.estimate('DROP TABLE t', 'Drop'), undefined)
    // MariaDB's plan of a WHERE-less DELETE says "Deleting all rows" and no count: unknown.
    assert.equal(await estimator.estimate('DELETE FROM t', 'Delete'), undefined)
    // After a server error the connection still answers; nothing was executed.
    assert.equal(await estimator.estimate('SELECT v FROM t WHERE v > 0', 'Query'), 1000)
  } finally {
    estimator.close()
  }
  const count = await AdminConnection.open(target, root)
  try {
    assert.deepEqual((await count.query(`SELECT COUNT(*), SUM(v = 0) FROM ${db}.t`)).rows, [['1000', '0']])
  } finally {
    count.close()
  }
})
