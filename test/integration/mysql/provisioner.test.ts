// Ephemeral accounts against the machine's real MariaDB: exactly the granted privileges, read-only grants
// read-only, live sessions killed and the account dropped at grant end, expired accounts swept.
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import mysql from 'mysql2/promise'
import pino from 'pino'
import { AdminConnection } from '../../../src/protocols/mysql/admin-connection.ts'
import type { MysqlTarget } from '../../../src/protocols/mysql/back.ts'
import { MysqlAccountProvisioner } from '../../../src/protocols/mysql/provisioner.ts'
import { activeGrant } from '../../support/grant-fixture.ts'

const target: MysqlTarget = { host: '127.0.0.1', port: 3306, tls: 'disable' }
const admin = { user: 'root', password: '' }
const db = `tg_prov_${randomBytes(3).toString('hex')}`
const provisioner = new MysqlAccountProvisioner({ target, admin, logger: pino({ level: 'silent' }) })
const inAnHour = () => new Date(Date.now() + 3_600_000)

const sql = async (statement: string) => {
  const conn = await AdminConnection.open(target, admin)
  try {
    return await conn.query(statement)
  } finally {
    conn.close()
  }
}

before(async () => {
  await sql(`CREATE DATABASE ${db}`)
  for (const t of ['orders', 'customers', 'secret'])
    await sql(`CREATE TABLE ${db}.${t} (id INT PRIMARY KEY, v INT)`)
  await sql(`INSERT INTO ${db}.orders VALUES (1, 10)`)
  await sql(`INSERT INTO ${db}.customers VALUES (1, 20)`)
})

after(async () => {
  await sql(`DROP DATABASE IF EXISTS ${db}`)
})

async function connectAs(grant: ReturnType<typeof activeGrant>) {
  const login = await provisioner.loginFor(grant)
  return mysql.createConnection({ host: '127.0.0.1', port: 3306, user: login.user, password: login.password })
}

test('the account holds exactly the granted table privileges', async () => {
  const grant = activeGrant(`select:${db}.orders,update:${db}.customers,select:${db}.customers`, {
    id: randomUUID(),
    expiresAt: inAnHour(),
  })
  await provisioner.provision(grant)
  try {
    const conn = await connectAs(grant)
    try {
      const [grants] = await conn.query('SHOW GRANTS')
      const lines = (grants as Record<string, string>[]).map((r) => Object.values(r)[0]!).sort()
      assert.equal(lines.length, 3, lines.join('\n'))
      assert.match(lines.join('\n'), new RegExp(`GRANT SELECT, UPDATE ON \`${db}\`.\`customers\``))
      assert.match(lines.join('\n'), new RegExp(`GRANT SELECT ON \`${db}\`.\`orders\``))
      assert.deepEqual((await conn.query(`SELECT v FROM ${db}.orders`))[0], [{ v: 10 }])
      await conn.query(`UPDATE ${db}.customers SET v = 21 WHERE id = 1`)
      await assert.rejects(
        conn.query(`SELECT * FROM ${db}.secret`),
        (e: { errno?: number }) => e.errno === 1142,
      )
      await assert.rejects(
        conn.query(`DELETE FROM ${db}.orders`),
        (e: { errno?: number }) => e.errno === 1142,
      )
    } finally {
      await conn.end()
    }
  } finally {
    await provisioner.deprovision(grant)
  }
})

test('a read-only grant is read-only on the server, and patterns never reach the system schemas', async () => {
  const grant = activeGrant(`select:${db}.*,select:*`, { id: randomUUID(), expiresAt: inAnHour() })
  await provisioner.provision(grant)
  try {
    const conn = await connectAs(grant)
    try {
      assert.deepEqual((await conn.query(`SELECT v FROM ${db}.customers`))[0], [{ v: 21 }])
      await assert.rejects(
        conn.query(`INSERT INTO ${db}.orders VALUES (2, 2)`),
        (e: { errno?: number }) => e.errno === 1142,
      )
      await assert.rejects(
        conn.query('SELECT * FROM mysql.user'),
        (e: { errno?: number }) => e.errno === 1142,
      )
    } finally {
      await conn.end()
    }
  } finally {
    await provisioner.deprovision(grant)
  }
})

test('a table a pattern matched that is dropped before its GRANT is skipped, not a failed grant', async (t) => {
  await sql(`CREATE TABLE ${db}.vanishing (id INT PRIMARY KEY)`)
  // Another client drops the table right after the provisioner listed the tables a pattern matches.
  const query = AdminConnection.prototype.query
  t.mock.method(
    AdminConnection.prototype,
    'query',
    async function (this: AdminConnection, statement: string) {
      const result = await query.call(this, statement)
      if (statement.includes('information_schema.TABLES')) await sql(`DROP TABLE IF EXISTS ${db}.vanishing`)
      return result
    },
  )
  const grant = activeGrant(`select:${db}.*s*`, { id: randomUUID(), expiresAt: inAnHour() })
  await provisioner.provision(grant)
  t.mock.restoreAll()
  try {
    const conn = await connectAs(grant)
    try {
      assert.deepEqual((await conn.query(`SELECT v FROM ${db}.orders`))[0], [{ v: 10 }])
    } finally {
      await conn.end()
    }
  } finally {
    await provisioner.deprovision(grant)
  }
})

test('grant end kills the account’s open sessions and drops it; a second provision of a grant fails', async () => {
  const grant = activeGrant(`select:${db}.orders`, { id: randomUUID(), expiresAt: inAnHour() })
  await provisioner.provision(grant)
  await assert.rejects(provisioner.provision(grant), /1396|exists|Operation CREATE USER failed/i)
  const login = await provisioner.loginFor(grant)
  const conn = await connectAs(grant)
  const closed = new Promise<void>((resolve) => conn.on('error', () => resolve()))
  await conn.query('SELECT 1')
  await provisioner.deprovision(grant)
  await assert.rejects(conn.query('SELECT 1'))
  await closed
  conn.destroy()
  const { rows } = await sql(`SELECT COUNT(*) FROM mysql.user WHERE User = '${login.user}'`)
  assert.deepEqual(rows, [['0']])
  await provisioner.deprovision(grant) // idempotent
})

test('an account past the expiry in its name is dropped by any process', async () => {
  const grant = activeGrant(`select:${db}.orders`, {
    id: randomUUID(),
    expiresAt: new Date(Date.now() + 1000),
  })
  await provisioner.provision(grant)
  const login = await provisioner.loginFor(grant)
  assert.deepEqual(await provisioner.dropExpired(new Date()), [])
  const other = new MysqlAccountProvisioner({ target, admin, logger: pino({ level: 'silent' }) })
  const dropped = await other.dropExpired(new Date(Date.now() + 2000))
  assert.ok(dropped.includes(login.user), dropped.join(','))
  await assert.rejects(provisioner.loginFor(grant), /TG_UPSTREAM|cannot be reached/)
})

test('another process logs in with a fresh password; live sessions keep theirs', async () => {
  const grant = activeGrant(`select:${db}.orders`, { id: randomUUID(), expiresAt: inAnHour() })
  await provisioner.provision(grant)
  try {
    const first = await connectAs(grant)
    const restarted = new MysqlAccountProvisioner({ target, admin, logger: pino({ level: 'silent' }) })
    const login = await restarted.loginFor(grant)
    const second = await mysql.createConnection({
      host: '127.0.0.1',
      port: 3306,
      user: login.user,
      password: login.password,
    })
    assert.deepEqual((await first.query(`SELECT v FROM ${db}.orders`))[0], [{ v: 10 }])
    assert.deepEqual((await second.query(`SELECT v FROM ${db}.orders`))[0], [{ v: 10 }])
    await first.end()
    await second.end()
  } finally {
    await provisioner.deprovision(grant)
  }
})
