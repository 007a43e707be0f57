// The response tracker over the real MariaDB's answers: it must call each response done exactly at its
// last packet, or the next command's packets would be taken for this one's (and the test would derail).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { AdminConnection } from '../../../src/protocols/mysql/admin-connection.ts'
import { connectUpstream, type MysqlTarget, type Upstream } from '../../../src/protocols/mysql/back.ts'
import { type ResponseStep, ResponseTracker } from '../../../src/protocols/mysql/response-tracker.ts'
import {
  encodeComFieldList,
  encodeComStmtExecute,
  encodeStatementCommand,
  encodeTextCommand,
} from '../../../src/protocols/mysql/wire/commands.ts'
import { CapabilityFlag, ColumnType, Command } from '../../../src/protocols/mysql/wire/constants.ts'
import { encodePacket, PacketReader } from '../../../src/protocols/mysql/wire/packet-reader.ts'

const target: MysqlTarget = { host: '127.0.0.1', port: 3306, tls: 'disable' }
const root = { user: 'root', password: '' }
const db = `tg_resp_${randomBytes(3).toString('hex')}`

const admin = async (sql: string) => {
  const conn = await AdminConnection.open(target, root)
  try {
    await conn.query(sql)
  } finally {
    conn.close()
  }
}

before(async () => {
  await admin(`CREATE DATABASE ${db}`)
  await admin(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, v VARCHAR(10) DEFAULT 'x')`)
  await admin(`INSERT INTO ${db}.t VALUES (1, 'a'), (2, 'b'), (3, NULL)`)
  await admin(`CREATE PROCEDURE ${db}.two() BEGIN SELECT 1 AS a; SELECT 2 AS b, 3 AS c; END`)
})

after(() => admin(`DROP DATABASE IF EXISTS ${db}`))

/** A client over back.ts that sends one command at a time and lets the tracker say when it is answered.
 * `countColumns`: a result's column definitions are counted with column(), as the relay does when nobody
 * reads them, instead of read with packet(). */
function session(upstream: Upstream, countColumns = false) {
  const tracker = new ResponseTracker(upstream.capabilities)
  const reader = new PacketReader()
  const packets: Buffer[] = []
  upstream.socket.on('data', (c: Buffer) => packets.push(...reader.push(c).map((p) => p.payload)))
  upstream.socket.resume()
  return async (payload: Buffer): Promise<string[]> => {
    const answered = tracker.begin(payload[0]!)
    upstream.socket.write(encodePacket(payload, 0).bytes)
    const kinds: string[] = []
    if (!answered) return kinds
    for (;;) {
      while (packets.length === 0) await new Promise((r) => setTimeout(r, 2))
      if (countColumns && tracker.inColumns) {
        packets.shift()
        tracker.column()
        kinds.push('column')
        continue
      }
      const step: ResponseStep = tracker.packet(packets.shift()!)
      kinds.push(step.kind === 'prepare-ok' ? `prepare-ok:${step.prepared.statementId}` : step.kind)
      if (step.done) {
        assert.ok(tracker.idle)
        return kinds
      }
    }
  }
}

const query = (sql: string) => encodeTextCommand(Command.COM_QUERY, sql)
const prepare = (sql: string) => encodeTextCommand(Command.COM_STMT_PREPARE, sql)
const idOf = (kinds: string[]) => Number(kinds[0]!.split(':')[1])
const longlong = (v: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigInt64LE(v)
  return b
}

for (const [deprecateEof, countColumns] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
]) {
  test(`every response ends where the tracker says (CLIENT_DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'}${countColumns ? ', column definitions counted unread' : ''})`, async (t) => {
    const probe = await connectUpstream(target, root)
    probe.socket.destroy()
    if (deprecateEof && !(probe.handshake.capabilities & CapabilityFlag.CLIENT_DEPRECATE_EOF)) {
      t.diagnostic('the server does not offer CLIENT_DEPRECATE_EOF')
      return
    }
    const base =
      CapabilityFlag.CLIENT_LONG_FLAG |
      CapabilityFlag.CLIENT_TRANSACTIONS |
      CapabilityFlag.CLIENT_MULTI_RESULTS |
      CapabilityFlag.CLIENT_PS_MULTI_RESULTS
    const upstream = await connectUpstream(
      target,
      { ...root, database: db },
      { capabilities: base | (deprecateEof ? CapabilityFlag.CLIENT_DEPRECATE_EOF : 0) },
    )
    const send = session(upstream, countColumns)
    const end = deprecateEof ? [] : ['eof']
    try {
      assert.deepEqual(await send(query('SELECT id, v FROM t ORDER BY id')), [
        'column-count',
        'column',
        'column',
        ...end,
        'row',
        'row',
        'row',
        deprecateEof ? 'ok' : 'eof',
      ])
      assert.deepEqual(await send(query('SELECT * FROM no_such_table')), ['err'])
      assert.deepEqual(await send(query('DO 1')), ['ok'])
      assert.deepEqual(await send(query('SELECT id FROM t WHERE id < 0')), [
        'column-count',
        'column',
        ...end,
        deprecateEof ? 'ok' : 'eof',
      ])
      // A procedure's two result sets and its final OK are one response.
      const call = await send(query('CALL two()'))
      assert.equal(call.at(-1), 'ok')
      assert.equal(call.filter((k) => k === 'column-count').length, 2)
      const sum = await send(prepare('SELECT ? + ? AS s, ? AS t'))
      assert.deepEqual(sum.slice(1), [
        'parameter',
        'parameter',
        'parameter',
        ...end,
        'column',
        'column',
        ...end,
      ])
      assert.deepEqual((await send(prepare('DO ?'))).slice(1), ['parameter', ...end])
      const noParams = await send(prepare('SELECT id FROM t'))
      assert.deepEqual(noParams.slice(1), ['column', ...end])
      const values = [longlong(40n), longlong(2n), Buffer.from('\x01z')]
      const types = [
        { type: ColumnType.MYSQL_TYPE_LONGLONG, unsigned: false },
        { type: ColumnType.MYSQL_TYPE_LONGLONG, unsigned: false },
        { type: ColumnType.MYSQL_TYPE_VAR_STRING, unsigned: false },
      ]
      const execute = encodeComStmtExecute({
        statementId: idOf(sum),
        flags: 0,
        iterationCount: 1,
        newParamsBound: true,
        types,
        values,
      })
      assert.deepEqual(await send(execute), [
        'column-count',
        'column',
        'column',
        ...end,
        'row',
        deprecateEof ? 'ok' : 'eof',
      ])
      // A read-only cursor: the execute ends after the definitions; rows come by COM_STMT_FETCH.
      const cursor = encodeComStmtExecute({
        statementId: idOf(noParams),
        flags: 1,
        iterationCount: 1,
        newParamsBound: false,
        types: [],
        values: [],
      })
      const opened = await send(cursor)
      assert.deepEqual(opened.slice(0, 2), ['column-count', 'column'])
      const fetch = Buffer.alloc(9)
      fetch[0] = Command.COM_STMT_FETCH
      fetch.writeUInt32LE(idOf(noParams), 1)
      fetch.writeUInt32LE(10, 5)
      assert.deepEqual(await send(fetch), ['row', 'row', 'row', deprecateEof ? 'ok' : 'eof'])
      assert.deepEqual(await send(encodeStatementCommand(Command.COM_STMT_RESET, idOf(sum))), ['ok'])
      assert.deepEqual(await send(encodeStatementCommand(Command.COM_STMT_CLOSE, idOf(sum))), [])
      assert.deepEqual(await send(encodeComFieldList({ table: 't', wildcard: '' })), [
        'column',
        'column',
        'eof',
      ])
      assert.deepEqual(await send(Buffer.from([Command.COM_STATISTICS])), ['text'])
      assert.deepEqual(await send(encodeTextCommand(Command.COM_INIT_DB, db)), ['ok'])
      assert.deepEqual(await send(Buffer.from([Command.COM_PING])), ['ok'])
    } finally {
      upstream.socket.destroy()
    }
  })
}
