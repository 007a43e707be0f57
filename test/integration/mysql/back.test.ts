import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { isTaskgateError } from '../../../src/core/index.ts'
import { connectUpstream, type MysqlTarget, type Upstream } from '../../../src/protocols/mysql/back.ts'
import { binaryValueText } from '../../../src/protocols/mysql/wire/binary-values.ts'
import { parseColumnDefinition41 } from '../../../src/protocols/mysql/wire/column-definition.ts'
import {
  encodeComStmtExecute,
  encodeTextCommand,
  parseStmtPrepareOk,
} from '../../../src/protocols/mysql/wire/commands.ts'
import { ColumnType, Command } from '../../../src/protocols/mysql/wire/constants.ts'
import {
  isEofPacket,
  isErrPacket,
  isOkPacket,
  parseErrPacket,
} from '../../../src/protocols/mysql/wire/generic-responses.ts'
import { encodePacket, PacketReader } from '../../../src/protocols/mysql/wire/packet-reader.ts'
import { parseBinaryRow, parseTextRow } from '../../../src/protocols/mysql/wire/result-rows.ts'
import { startMariadb, type ThrowawayMariadb } from '../../support/start-mariadb.ts'

const shared: MysqlTarget = { host: '127.0.0.1', port: 3306, tls: 'disable' }

/** Reads packets off an upstream socket, the test's own small client over the codec. */
function packetsOf(upstream: Upstream) {
  const reader = new PacketReader(128 * 1024 * 1024)
  const queue: Buffer[] = []
  let wake: (() => void) | undefined
  upstream.socket.on('data', (chunk: Buffer) => {
    queue.push(...reader.push(chunk).map((p) => p.payload))
    wake?.()
  })
  upstream.socket.resume()
  return async (): Promise<Buffer> => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r))
    return queue.shift()!
  }
}

async function command(upstream: Upstream, next: () => Promise<Buffer>, payload: Buffer, binary = false) {
  upstream.socket.write(encodePacket(payload, 0).bytes)
  const first = await next()
  if (isErrPacket(first)) return { error: parseErrPacket(first) }
  if (isOkPacket(first)) return { ok: first }
  const count = first[0]!
  const columns = []
  for (let i = 0; i < count; i++) columns.push(parseColumnDefinition41(await next()))
  assert.ok(isEofPacket(await next()))
  const rows: string[][] = []
  for (;;) {
    const p = await next()
    if (isEofPacket(p)) break
    const types = columns.map((c) => c.type)
    const cells = binary ? parseBinaryRow(p, types) : parseTextRow(p, count)
    rows.push(
      cells.map((c, i) =>
        c === null ? 'NULL' : binary ? binaryValueText(types[i]!, false, c) : c.toString('utf8'),
      ),
    )
  }
  return { columns, rows }
}

const query = (u: Upstream, next: () => Promise<Buffer>, sql: string) =>
  command(u, next, encodeTextCommand(Command.COM_QUERY, sql))

const suffix = randomBytes(4).toString('hex')
const user = `tg_back_${suffix}`
const password = randomBytes(12).toString('base64url')

before(async () => {
  const root = await connectUpstream(shared, { user: 'root', password: '' })
  const next = packetsOf(root)
  for (const sql of [
    `CREATE USER '${user}'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('${password}')`,
    `CREATE DATABASE tg_back_${suffix}`,
    `GRANT SELECT ON tg_back_${suffix}.* TO '${user}'@'%'`,
  ])
    assert.ok((await query(root, next, sql)).ok, sql)
  root.socket.destroy()
})

after(async () => {
  const root = await connectUpstream(shared, { user: 'root', password: '' })
  const next = packetsOf(root)
  await query(root, next, `DROP USER IF EXISTS '${user}'@'%'`)
  await query(root, next, `DROP DATABASE IF EXISTS tg_back_${suffix}`)
  root.socket.destroy()
})

test('logs in to the real MariaDB and learns its real version and capabilities', async () => {
  const upstream = await connectUpstream(shared, { user, password, database: `tg_back_${suffix}` })
  const next = packetsOf(upstream)
  assert.match(upstream.handshake.serverVersion, /MariaDB/)
  assert.ok(upstream.handshake.mariadbCapabilities > 0, 'MariaDB sends its extended capabilities')
  const result = await query(upstream, next, 'SELECT VERSION(), DATABASE(), CURRENT_USER()')
  assert.ok('rows' in result)
  const [version, database, current] = result.rows![0]!
  assert.ok(
    upstream.handshake.serverVersion.endsWith(version!),
    `${upstream.handshake.serverVersion} vs ${version}`,
  )
  assert.equal(database, `tg_back_${suffix}`)
  assert.equal(current, `${user}@%`)
  upstream.socket.destroy()
})

test('a wrong password is TG_UPSTREAM_UNAVAILABLE with the server error kept in the detail', async () => {
  await assert.rejects(connectUpstream(shared, { user, password: 'wrong' }), (error) => {
    assert.ok(isTaskgateError(error))
    assert.equal(error.code, 'TG_UPSTREAM_UNAVAILABLE')
    assert.match(String(error.detail), /1045 28000/)
    return true
  })
})

test('TLS to a target that offers none fails when required, falls back when preferred', async () => {
  await assert.rejects(connectUpstream({ ...shared, tls: 'require' }, { user, password }), (error) => {
    assert.ok(isTaskgateError(error))
    assert.match(String(error.detail), /does not offer TLS/)
    return true
  })
  const upstream = await connectUpstream({ ...shared, tls: 'prefer' }, { user, password })
  assert.equal(upstream.tls, false)
  upstream.socket.destroy()
})

test('a read-only session refuses writes on the server itself', async () => {
  const upstream = await connectUpstream(shared, { user: 'root', password: '' }, { readOnly: true })
  const next = packetsOf(upstream)
  const result = await query(upstream, next, `CREATE TABLE tg_back_${suffix}.w (a INT)`)
  assert.equal(result.error?.errorCode, 1792, 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION')
  assert.deepEqual((await query(upstream, next, 'SELECT @@session.tx_read_only')).rows, [['1']])
  upstream.socket.destroy()
})

test('the codec reads the real server: a prepared statement executed with binary parameters', async () => {
  const upstream = await connectUpstream(shared, { user, password })
  const next = packetsOf(upstream)
  upstream.socket.write(
    encodePacket(
      encodeTextCommand(Command.COM_STMT_PREPARE, "SELECT ? + 1 AS n, CONCAT(?, '!') AS s, NULL"),
      0,
    ).bytes,
  )
  const ok = parseStmtPrepareOk(await next())
  assert.equal(ok.paramCount, 2)
  assert.equal(ok.columnCount, 3)
  for (let i = 0; i < ok.paramCount + 1 + ok.columnCount + 1; i++) await next() // definitions and EOFs
  const n = Buffer.alloc(8)
  n.writeBigInt64LE(41n)
  const result = await command(
    upstream,
    next,
    encodeComStmtExecute({
      statementId: ok.statementId,
      flags: 0,
      iterationCount: 1,
      newParamsBound: true,
      types: [
        { type: ColumnType.MYSQL_TYPE_LONGLONG, unsigned: false },
        { type: ColumnType.MYSQL_TYPE_VAR_STRING, unsigned: false },
      ],
      values: [n, Buffer.from('\x02hi')],
    }),
    true,
  )
  assert.deepEqual(result.rows, [['42', 'hi!', 'NULL']])
  upstream.socket.destroy()
})

test('a throwaway MariaDB: TLS verified against its certificate, and packets of 16 MiB and more', async (t) => {
  let server: ThrowawayMariadb
  try {
    server = await startMariadb()
  } catch (error) {
    // Without mariadbd on the machine this part cannot run; .ci/run installs it.
    t.diagnostic(String(error))
    throw error
  }
  await using _ = server
  const target: MysqlTarget = {
    host: '127.0.0.1',
    port: server.port,
    tls: 'verify-full',
    caFile: server.caFile,
  }
  const upstream = await connectUpstream(target, { user: 'root', password: '' })
  assert.equal(upstream.tls, true)
  const next = packetsOf(upstream)
  const cipher = await query(upstream, next, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
  assert.notEqual(cipher.rows?.[0]?.[1], '')
  const big = 17 * 1024 * 1024
  const long = await query(upstream, next, `SELECT LENGTH('${'a'.repeat(big)}')`)
  assert.deepEqual(long.rows, [[String(big)]])
  const wide = await query(upstream, next, `SELECT REPEAT('b', ${big})`)
  assert.equal(wide.rows?.[0]?.[0]?.length, big)
  upstream.socket.destroy()
  await server[Symbol.asyncDispose]()
  // Disposing ends the server process itself (a runuser parent once left it running after every test).
  assert.throws(() => process.kill(server.pid, 0), /ESRCH/)
})
