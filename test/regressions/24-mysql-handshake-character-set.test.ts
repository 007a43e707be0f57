// Fidelity (session 9): the upstream login always asked utf8mb4_general_ci, whatever the client's handshake
// said, so a driver asking utf8mb4_unicode_ci (mysql2's default) compared strings by another collation than
// it would connected directly, and a latin1 client's bytes were read as utf8mb4 (stored wrong, silently).
// The gateway now logs in with the client's collation when it reads that character set (utf8mb4, utf8mb3,
// latin1, ascii, binary), refuses one it cannot read statements in (gbk: 1115, naming utf8mb4), and maps
// an id the server may not know (MySQL 8's 255) to utf8mb4_general_ci, never to the server's default.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import mysql from 'mysql2/promise'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway

before(async () => {
  g = await startMysqlGateway()
  const root = await g.root()
  await root.query(
    `CREATE TABLE ${g.database}.notes (id INT PRIMARY KEY, body VARCHAR(40)) CHARACTER SET utf8mb4`,
  )
  await root.end()
})
after(() => g[Symbol.asyncDispose]())

async function through(charset: string): Promise<mysql.Connection> {
  const { credential } = await g.grant('*:$DB.*')
  return mysql.createConnection({
    host: '127.0.0.1',
    port: g.port,
    user: credential.connection.user,
    password: credential.connection.password,
    database: g.database,
    charset,
  })
}

const variables = async (c: mysql.Connection) => {
  const [rows] = await c.query('SELECT @@character_set_client AS client, @@collation_connection AS collation')
  return (rows as Array<{ client: string; collation: string }>)[0]!
}

test("the session has the client's collation, as connected directly", async () => {
  const direct = await mysql.createConnection({
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    charset: 'UTF8MB4_UNICODE_CI',
  })
  const c = await through('UTF8MB4_UNICODE_CI')
  try {
    assert.deepEqual(await variables(c), await variables(direct))
    assert.equal((await variables(c)).collation, 'utf8mb4_unicode_ci')
  } finally {
    await c.end()
    await direct.end()
  }
})

test("a latin1 client's text is stored and read back as it wrote it", async () => {
  const c = await through('LATIN1_SWEDISH_CI')
  const root = await g.root()
  try {
    assert.equal((await variables(c)).client, 'latin1')
    await c.query('INSERT INTO notes VALUES (1, ?)', ['café crème'])
    const [back] = await c.query('SELECT body FROM notes WHERE id = 1')
    assert.equal((back as Array<{ body: string }>)[0]!.body, 'café crème')
    const [stored] = await root.query(`SELECT body FROM ${g.database}.notes WHERE id = 1`)
    assert.equal((stored as Array<{ body: string }>)[0]!.body, 'café crème', 'stored as the client meant it')
  } finally {
    await c.end()
    await root.end()
  }
})

test('a character set the gateway cannot read statements in is refused at login, naming utf8mb4', async () => {
  await assert.rejects(through('GBK_CHINESE_CI'), (error: { errno?: number; message: string }) => {
    assert.equal(error.errno, 1115)
    assert.match(error.message, /collation id 28.*utf8mb4/)
    return true
  })
})

test("an id the server may not know (MySQL 8's utf8mb4_0900_ai_ci) logs in as utf8mb4_general_ci", async () => {
  const c = await through('UTF8MB4_0900_AI_CI')
  try {
    assert.deepEqual(await variables(c), { client: 'utf8mb4', collation: 'utf8mb4_general_ci' })
  } finally {
    await c.end()
  }
})
