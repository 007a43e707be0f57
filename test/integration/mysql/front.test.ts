// front.ts with real clients (the mariadb command-line client and mysql2, TLS and plain) through the test
// harness that relays to the machine's MariaDB via back.ts.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { test } from 'node:test'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import { cachingSha2Scramble } from '../../../src/protocols/mysql/auth-scramble.ts'
import { connectUpstream, type MysqlTarget } from '../../../src/protocols/mysql/back.ts'
import { encodeTextCommand } from '../../../src/protocols/mysql/wire/commands.ts'
import { CapabilityFlag, Command, SetOption } from '../../../src/protocols/mysql/wire/constants.ts'
import { parseErrPacket } from '../../../src/protocols/mysql/wire/generic-responses.ts'
import { encodeHandshakeResponse41, parseHandshakeV10 } from '../../../src/protocols/mysql/wire/handshake.ts'
import { encodePacket, PacketReader } from '../../../src/protocols/mysql/wire/packet-reader.ts'
import { startMysqlRelayHarness } from '../../support/mysql-relay-harness.ts'

const run = promisify(execFile)
const target: MysqlTarget = { host: '127.0.0.1', port: 3306, tls: 'disable' }
const login = {
  user: `tg_front_${randomBytes(3).toString('hex')}`,
  password: randomBytes(16).toString('base64url'),
}
const upstream = { user: 'root', password: '' }

const cli = (port: number, args: string[], password = login.password) =>
  run(
    'mariadb',
    [
      '-h127.0.0.1',
      `-P${port}`,
      `-u${login.user}`,
      `-p${password}`,
      '--batch',
      '--skip-column-names',
      ...args,
    ],
    {
      timeout: 30_000,
    },
  )

test('the mariadb CLI logs in (caching_sha2_password and mysql_native_password) and queries', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  const { stdout } = await cli(harness.port, ['--skip-ssl', '-e', 'SELECT VERSION(), 1 + 1'])
  const [version, two] = stdout.trim().split('\t')
  assert.match(version!, /MariaDB/)
  assert.equal(two, '2')
  const native = await cli(harness.port, [
    '--skip-ssl',
    '--default-auth=mysql_native_password',
    '-e',
    'SELECT 3',
  ])
  assert.equal(native.stdout.trim(), '3')
  await assert.rejects(cli(harness.port, ['--skip-ssl', '-e', 'SELECT 1'], 'wrong'), /Access denied for user/)
})

test('the mariadb CLI over TLS, and a resource that requires TLS refuses plain logins', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream, requireTls: true })
  const { stdout } = await cli(harness.port, ['--ssl', '--ssl-verify-server-cert=0', '-e', 'SELECT 42'])
  assert.equal(stdout.trim(), '42')
  assert.equal(harness.accepted.at(-1)?.tls, true)
  await assert.rejects(cli(harness.port, ['--skip-ssl', '-e', 'SELECT 1']), /requires TLS/)
})

test('mysql2, plain and TLS: text queries and prepared statements with binary parameters', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  for (const ssl of [undefined, { rejectUnauthorized: false }]) {
    const conn = await mysql.createConnection({
      host: '127.0.0.1',
      port: harness.port,
      ...login,
      ...(ssl ? { ssl } : {}),
    })
    try {
      const [rows] = await conn.query('SELECT 1 + 1 AS x')
      assert.deepEqual(rows, [{ x: 2 }])
      const [prepared] = await conn.execute('SELECT ? + 1 AS n, CONCAT(?, ?) AS s, ? AS z', [
        41,
        'a',
        'b',
        null,
      ])
      assert.deepEqual(prepared, [{ n: 42, s: 'ab', z: null }])
      const [dates] = await conn.execute("SELECT CAST('2026-12-06 08:30:05' AS DATETIME) AS d, ? AS big", [
        2n ** 60n,
      ])
      assert.equal((dates as { d: Date }[])[0]!.d.getFullYear(), 2026)
      assert.equal(String((dates as { big: unknown }[])[0]!.big), String(2n ** 60n))
    } finally {
      await conn.end()
    }
    assert.equal(harness.accepted.at(-1)?.tls, ssl !== undefined)
  }
})

test('CLIENT_MULTI_STATEMENTS is offered to a client that asks (the session decides each statement)', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: harness.port,
    ...login,
    multipleStatements: true,
  })
  try {
    // The harness relays without deciding; the product's session splits and decides (multi-statement.test.ts).
    assert.notEqual(harness.accepted.at(-1)!.capabilities & CapabilityFlag.CLIENT_MULTI_STATEMENTS, 0)
    const [results] = await conn.query('SELECT 1 AS a; SELECT 2 AS b')
    assert.deepEqual(results, [[{ a: 1 }], [{ b: 2 }]])
  } finally {
    await conn.end()
  }
})

test('COM_CHANGE_USER and COM_SET_OPTION are refused with clear errors; the session goes on', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: harness.port, ...login })
  try {
    await assert.rejects(
      conn.changeUser({ user: 'root', password: '' }),
      /taskgate does not allow COM_CHANGE_USER/,
    )
  } finally {
    conn.destroy()
  }
  // back.ts is a real client too: it logs in to the harness with caching_sha2_password's fast path.
  const client = await connectUpstream({ host: '127.0.0.1', port: harness.port, tls: 'disable' }, login)
  const reader = new PacketReader()
  const packets: Buffer[] = []
  client.socket.on('data', (c: Buffer) => packets.push(...reader.push(c).map((p) => p.payload)))
  client.socket.resume()
  const next = async () => {
    while (packets.length === 0) await new Promise((r) => setTimeout(r, 5))
    return packets.shift()!
  }
  const setOption = Buffer.from([Command.COM_SET_OPTION, SetOption.MYSQL_OPTION_MULTI_STATEMENTS_ON, 0])
  client.socket.write(encodePacket(setOption, 0).bytes)
  const err = parseErrPacket(await next())
  assert.equal(err.errorCode, 1148)
  assert.match(err.message, /COM_SET_OPTION/)
  client.socket.write(encodePacket(encodeTextCommand(Command.COM_QUERY, 'SELECT 7'), 0).bytes)
  assert.equal((await next())[0], 1, 'a result set with one column follows')
  client.socket.destroy()
})

test('the handshake carries the target’s real server version', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  const direct = await connectUpstream(target, upstream)
  direct.socket.destroy()
  const through = await connectUpstream({ host: '127.0.0.1', port: harness.port, tls: 'disable' }, login)
  through.socket.destroy()
  assert.equal(through.handshake.serverVersion, direct.handshake.serverVersion)
  assert.equal(through.handshake.capabilities & CapabilityFlag.CLIENT_COMPRESS, 0)
  assert.equal(through.handshake.capabilities & CapabilityFlag.CLIENT_LOCAL_FILES, 0)
  assert.equal(through.handshake.authPluginName, 'caching_sha2_password')
})

test('compression is never offered, and a client that asks for it anyway gets a clear ERR', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  // mysql2 asks for compression only when offered: it goes on uncompressed.
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: harness.port,
    ...login,
    compress: true,
  })
  try {
    assert.deepEqual((await conn.query('SELECT 5 AS v'))[0], [{ v: 5 }])
    assert.equal(harness.accepted.at(-1)!.capabilities & CapabilityFlag.CLIENT_COMPRESS, 0)
  } finally {
    await conn.end()
  }
  const raw = net.connect({ host: '127.0.0.1', port: harness.port })
  const reader = new PacketReader()
  const packets: Buffer[] = []
  raw.on('data', (c: Buffer) => packets.push(...reader.push(c).map((p) => p.payload)))
  const next = async () => {
    while (packets.length === 0) await new Promise((r) => setTimeout(r, 5))
    return packets.shift()!
  }
  const handshake = parseHandshakeV10(await next())
  const response = {
    capabilities: handshake.capabilities | CapabilityFlag.CLIENT_COMPRESS,
    maxPacketSize: 1 << 24,
    characterSet: 45,
    mariadbCapabilities: 0,
    username: login.user,
    authResponse: cachingSha2Scramble(login.password, handshake.authPluginData),
    database: undefined,
    authPluginName: 'caching_sha2_password',
    attributes: [],
  }
  raw.write(encodePacket(encodeHandshakeResponse41(response), 1).bytes)
  const err = parseErrPacket(await next())
  assert.equal(err.errorCode, 1148)
  assert.match(err.message, /compression/)
  raw.destroy()
})

test('LOCAL INFILE never reaches the client: the target is not allowed to ask for a file', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: harness.port, ...login })
  try {
    let asked = false
    await assert.rejects(
      conn.query({
        sql: "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE mysql.user",
        infileStreamFactory: () => {
          asked = true
          throw new Error('the client was asked for a file')
        },
      }),
      /local infile/,
    )
    assert.equal(asked, false)
  } finally {
    await conn.end()
  }
})

test('a malformed handshake response gets an ERR and a closed connection; the listener goes on', async () => {
  await using harness = await startMysqlRelayHarness({ target, login, upstream })
  for (const garbage of [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(40, 0x41)]) {
    const raw = net.connect({ host: '127.0.0.1', port: harness.port })
    const reader = new PacketReader()
    const packets: Buffer[] = []
    const closed = new Promise<void>((resolve) => raw.on('close', () => resolve()))
    raw.on('data', (c: Buffer) => packets.push(...reader.push(c).map((p) => p.payload)))
    raw.on('error', () => {})
    while (packets.length === 0) await new Promise((r) => setTimeout(r, 5))
    raw.write(encodePacket(garbage, 1).bytes)
    await closed
    const err = packets[1] && parseErrPacket(packets[1])
    assert.equal(err?.errorCode, 1835, `answered ${packets[1]?.toString('hex')}`)
  }
  const { stdout } = await cli(harness.port, ['--skip-ssl', '-e', 'SELECT 1'])
  assert.equal(stdout.trim(), '1')
})
