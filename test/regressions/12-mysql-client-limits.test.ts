// Issue #12: the client limits PostgreSQL resources have (#10, REVIEW.md: "a new protocol inherits them"),
// on a MySQL resource, each with the server's own error: a packet over clients.maxPacketBytes (1153, closed),
// a client stalling inside a packet (closed after clients.incompletePacketTimeout), a statement text over
// clients.maxStatementBytes and a text of more statements than clients.maxStatementsPerQuery (1105, the
// session goes on), one prepared statement past clients.maxPreparedStatements (1461), sessions past
// limits.sessionsPerGrant (1040) and failed logins past limits.failedLogins (1129).
import assert from 'node:assert/strict'
import type net from 'node:net'
import { after, before, test } from 'node:test'
import mysql from 'mysql2/promise'
import type { IssuedCredential } from '../../src/core/index.ts'
import { PacketReader } from '../../src/protocols/mysql/wire/packet-reader.ts'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway
let credential: IssuedCredential

before(async () => {
  g = await startMysqlGateway({
    clients:
      'maxPacketBytes: 65536, incompletePacketTimeout: 1s, maxStatementBytes: 4096, maxStatementsPerQuery: 3, maxPreparedStatements: 2',
    extraConfig:
      'limits: { sessionsPerGrant: 2, failedLogins: { perSource: 50, perPrincipal: 3, window: 1m } }',
  })
  credential = (await g.grant('select:$DB.*')).credential
})
after(() => g[Symbol.asyncDispose]())

const connect = (c = credential) =>
  mysql.createConnection({
    host: '127.0.0.1',
    port: g.port,
    user: c.connection.user,
    password: c.connection.password,
    database: g.database,
    multipleStatements: true,
  })

const socketOf = (c: mysql.Connection) =>
  (c as unknown as { connection: { stream: net.Socket } }).connection.stream

test('a packet over maxPacketBytes is refused with 1153 and the connection closed', async () => {
  const c = await connect()
  const closed = new Promise<Error & { code?: unknown }>((resolve) => c.on('error', resolve))
  const header = Buffer.from([0x00, 0x00, 0x02, 0x00]) // a 128 KiB payload announced
  socketOf(c).write(Buffer.concat([header, Buffer.from([0x03])]))
  const error = await closed
  // mysql2 puts the number of an ERR it did not wait for in `code`.
  assert.equal(error.code, 1153, error.message)
  assert.match(error.message, /max_allowed_packet/)
})

test('a client stalling inside a packet is closed; one whose packets keep arriving is not', async () => {
  const c = await connect()
  const closed = new Promise<Error & { code?: unknown }>((resolve) => c.on('error', resolve))
  socketOf(c).write(Buffer.from([0x20, 0x00, 0x00, 0x00, 0x03, 0x53])) // 32 bytes announced, 2 sent
  const error = await closed
  assert.equal(error.code, 1835, error.message)
  assert.match(error.message, /did not arrive whole within 1 s/)
  // A slow client whose packets keep coming: each arrives in two pieces 0.4 s apart, three of them, so it
  // is inside a packet for more than the 1 s in all, but never inside one packet for that long.
  const raw = await rawSession()
  try {
    for (const n of [1, 2, 3]) {
      const query = Buffer.from(`\x03SELECT 'seven-${n}' AS s`)
      const framed = Buffer.concat([Buffer.from([query.length, 0, 0, 0]), query])
      raw.socket.write(framed.subarray(0, 6))
      await new Promise((r) => setTimeout(r, 400))
      raw.socket.write(framed.subarray(6))
      assert.ok((await raw.reply(`seven-${n}`)).includes(`seven-${n}`))
    }
  } finally {
    raw.socket.destroy()
  }
})

test('a statement over maxStatementBytes, or of more statements than maxStatementsPerQuery, is refused; the session goes on', async () => {
  const c = await connect()
  try {
    await assert.rejects(c.query(`SELECT '${'x'.repeat(5000)}' AS long_text`), {
      errno: 1105,
      message: /over 4096 bytes.*maxStatementBytes/,
    })
    await assert.rejects(c.query('SELECT 1; SELECT 2; SELECT 3; SELECT 4'), {
      errno: 1105,
      message: /4 statements, more than the 3.*maxStatementsPerQuery/,
    })
    // A long value as a parameter is not parsed, so it is not a long statement.
    const [rows] = await c.execute('SELECT LENGTH(?) AS n', ['y'.repeat(5000)])
    assert.deepEqual(rows, [{ n: 5000 }])
    // Prepared statements past the limit: 1461, as the server past max_prepared_stmt_count.
    await c.prepare('SELECT 2 AS two')
    await assert.rejects(c.prepare('SELECT 3 AS three'), { errno: 1461, message: /maxPreparedStatements/ })
    const [after] = await c.query('SELECT 1 AS one')
    assert.deepEqual(after, [{ one: 1 }])
  } finally {
    await c.end()
  }
})

test('sessions over limits.sessionsPerGrant are refused with 1040; failed logins past the limit with 1129', async () => {
  const { credential: own } = await g.grant('select:$DB.*')
  const open = [await connect(own), await connect(own)]
  try {
    await assert.rejects(connect(own), { errno: 1040, message: /limits\.sessionsPerGrant/ })
  } finally {
    for (const c of open) await c.end()
  }
  const wrong = { ...own, connection: { ...own.connection, password: 'not-the-password' } }
  for (let i = 0; i < 3; i++) await assert.rejects(connect(wrong), { errno: 1045 })
  await assert.rejects(connect(wrong), { errno: 1129, message: /Too many failed logins/ })
  await assert.rejects(connect(own), { errno: 1129 }, 'even the right password waits out the window')
})

/** A raw client logged in by mysql2's own handshake, then driven packet by packet. */
async function rawSession(): Promise<{ socket: net.Socket; reply: (marker: string) => Promise<string> }> {
  const c = await connect()
  const socket = socketOf(c)
  socket.removeAllListeners('data')
  socket.removeAllListeners('error')
  socket.on('error', () => {})
  const reader = new PacketReader()
  let packets: Buffer[] = []
  socket.on('data', (chunk: Buffer) => {
    for (const packet of reader.push(chunk)) packets.push(packet.payload)
  })
  return {
    socket,
    async reply(marker) {
      // Done once the row came and, after it, the packet that ends the result (0xfe, EOF or OK).
      const done = () => packets.some((p) => p.includes(marker)) && packets.at(-1)?.[0] === 0xfe
      for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50))
      const text = Buffer.concat(packets).toString('latin1')
      packets = []
      return text
    },
  }
}
