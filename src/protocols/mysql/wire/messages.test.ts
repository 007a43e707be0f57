import assert from 'node:assert/strict'
import { test } from 'node:test'
import { binaryValueText } from './binary-values.ts'
import {
  encodeColumnCount,
  encodeColumnDefinition41,
  parseColumnCount,
  parseColumnDefinition41,
} from './column-definition.ts'
import {
  encodeComFieldList,
  encodeComStmtExecute,
  encodeStmtPrepareOk,
  encodeTextCommand,
  parseComFieldList,
  parseComStmtExecute,
  parseStmtPrepareOk,
  parseTextCommand,
} from './commands.ts'
import { CapabilityFlag, ColumnType, Command, ServerStatus } from './constants.ts'
import {
  encodeEofPacket,
  encodeErrPacket,
  encodeOkPacket,
  isEofPacket,
  parseEofPacket,
  parseErrPacket,
  parseOkPacket,
} from './generic-responses.ts'
import {
  encodeAuthSwitchRequest,
  encodeHandshakeResponse41,
  encodeHandshakeV10,
  encodeSslRequest,
  type HandshakeResponse41,
  type HandshakeV10,
  isSslRequest,
  parseAuthSwitchRequest,
  parseHandshakeResponse41,
  parseHandshakeV10,
} from './handshake.ts'
import { ProtocolViolation } from './protocol-violation.ts'
import { encodeBinaryRow, encodeTextRow, parseBinaryRow, parseTextRow } from './result-rows.ts'

const BASE_CAPS =
  CapabilityFlag.CLIENT_PROTOCOL_41 |
  CapabilityFlag.CLIENT_SECURE_CONNECTION |
  CapabilityFlag.CLIENT_PLUGIN_AUTH |
  CapabilityFlag.CLIENT_TRANSACTIONS

const handshake: HandshakeV10 = {
  serverVersion: '5.5.5-10.11.19-MariaDB-0+deb12u1',
  connectionId: 42,
  authPluginData: Buffer.from('abcdefghijklmnopqrst'),
  capabilities: BASE_CAPS | CapabilityFlag.CLIENT_SSL,
  mariadbCapabilities: 0b1101,
  characterSet: 45,
  statusFlags: ServerStatus.SERVER_STATUS_AUTOCOMMIT,
  authPluginName: 'mysql_native_password',
}

test('HandshakeV10 round-trips, MariaDB capabilities included', () => {
  assert.deepEqual(parseHandshakeV10(encodeHandshakeV10(handshake)), handshake)
})

test('HandshakeV10 of a MySQL server (CLIENT_LONG_PASSWORD) has no MariaDB capabilities', () => {
  const mysql = { ...handshake, capabilities: handshake.capabilities | CapabilityFlag.CLIENT_LONG_PASSWORD }
  assert.equal(parseHandshakeV10(encodeHandshakeV10(mysql)).mariadbCapabilities, 0)
})

const response: HandshakeResponse41 = {
  capabilities:
    BASE_CAPS |
    CapabilityFlag.CLIENT_CONNECT_WITH_DB |
    CapabilityFlag.CLIENT_CONNECT_ATTRS |
    CapabilityFlag.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA,
  maxPacketSize: 16 * 1024 * 1024,
  characterSet: 45,
  mariadbCapabilities: 3,
  username: 'tg_user',
  authResponse: Buffer.alloc(32, 9),
  database: 'app',
  authPluginName: 'caching_sha2_password',
  attributes: [
    ['_client_name', 'libmariadb'],
    ['program_name', 'mariadb'],
  ],
}

test('HandshakeResponse41 round-trips; an SSLRequest is its first 32 bytes', () => {
  assert.deepEqual(parseHandshakeResponse41(encodeHandshakeResponse41(response)), response)
  const ssl = encodeSslRequest(response)
  assert.equal(ssl.length, 32)
  assert.ok(isSslRequest(ssl))
  assert.ok(!isSslRequest(encodeHandshakeResponse41(response)))
})

test('HandshakeResponse41 with a one-byte auth length and no database', () => {
  const short = {
    ...response,
    capabilities: BASE_CAPS,
    authResponse: Buffer.alloc(20, 1),
    database: undefined,
    attributes: [],
  }
  assert.deepEqual(parseHandshakeResponse41(encodeHandshakeResponse41(short)), short)
})

test('a pre-4.1 client is refused', () => {
  const old = encodeHandshakeResponse41({
    ...response,
    capabilities: CapabilityFlag.CLIENT_SECURE_CONNECTION,
  })
  assert.throws(() => parseHandshakeResponse41(old), ProtocolViolation)
})

test('AuthSwitchRequest round-trips', () => {
  const s = { authPluginName: 'mysql_native_password', authPluginData: Buffer.from('01234567890123456789') }
  assert.deepEqual(parseAuthSwitchRequest(encodeAuthSwitchRequest(s)), s)
})

test('OK packet with and without session tracking; ERR with SQLSTATE; EOF', () => {
  const ok = { affectedRows: 70_000, lastInsertId: 3, statusFlags: 2, warnings: 1, info: 'Rows matched: 1' }
  assert.deepEqual(parseOkPacket(encodeOkPacket(ok, 0), 0), ok)
  const track = CapabilityFlag.CLIENT_SESSION_TRACK
  const withState = {
    ...ok,
    statusFlags: ok.statusFlags | ServerStatus.SERVER_SESSION_STATE_CHANGED,
    sessionStateInfo: Buffer.from([1, 3, 2, 0x61, 0x62]),
  }
  assert.deepEqual(parseOkPacket(encodeOkPacket(withState, track), track), withState)
  const err = { errorCode: 1142, sqlState: '42000', message: 'denied: select:app.t' }
  assert.deepEqual(parseErrPacket(encodeErrPacket(err)), err)
  assert.throws(() => encodeErrPacket({ ...err, sqlState: '_____' }), RangeError)
  const eof = encodeEofPacket({ warnings: 0, statusFlags: 34 })
  assert.ok(isEofPacket(eof))
  assert.deepEqual(parseEofPacket(eof), { warnings: 0, statusFlags: 34 })
})

test('column definition round-trips, COM_FIELD_LIST default value included', () => {
  const column = {
    catalog: 'def',
    schema: 'app',
    table: 'u',
    orgTable: 'users',
    name: 'e',
    orgName: 'email',
    characterSet: 45,
    columnLength: 1020,
    type: ColumnType.MYSQL_TYPE_VAR_STRING,
    flags: 0,
    decimals: 0,
  }
  assert.deepEqual(parseColumnDefinition41(encodeColumnDefinition41(column)), column)
  for (const count of [1, 250, 251, 70_000]) assert.equal(parseColumnCount(encodeColumnCount(count)), count)
  const listed = { ...column, defaultValue: Buffer.from('x') }
  assert.deepEqual(parseColumnDefinition41(encodeColumnDefinition41(listed)), listed)
})

test('text rows with NULLs and long values', () => {
  const cells = [Buffer.from('1'), null, Buffer.alloc(70_000, 0x62), Buffer.alloc(0)]
  assert.deepEqual(parseTextRow(encodeTextRow(cells), 4), cells)
  assert.throws(() => parseTextRow(encodeTextRow(cells), 3), ProtocolViolation)
  assert.throws(() => parseTextRow(encodeTextRow(cells), 5), ProtocolViolation)
})

function longlong(v: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigInt64LE(v)
  return b
}

test('binary rows: NULL bitmap offset 2, fixed, temporal and string values', () => {
  const types = [
    ColumnType.MYSQL_TYPE_LONGLONG,
    ColumnType.MYSQL_TYPE_NULL,
    ColumnType.MYSQL_TYPE_VAR_STRING,
    ColumnType.MYSQL_TYPE_DATETIME,
    ColumnType.MYSQL_TYPE_TIME,
    ColumnType.MYSQL_TYPE_TINY,
    ColumnType.MYSQL_TYPE_DOUBLE,
  ]
  const datetime = Buffer.from([7, 0xea, 0x07, 12, 6, 8, 30, 5])
  const time = Buffer.from([8, 1, 1, 0, 0, 0, 2, 3, 4])
  const double = Buffer.alloc(8)
  double.writeDoubleLE(1.5)
  const cells = [longlong(-5n), null, Buffer.from('\x03abc'), datetime, time, Buffer.from([0xff]), double]
  const row = encodeBinaryRow(cells)
  assert.equal(row[1], 0b1000, 'column 1 is NULL: bit 1 + offset 2')
  assert.deepEqual(parseBinaryRow(row, types), cells)
  assert.equal(binaryValueText(types[0]!, false, cells[0]!), '-5')
  assert.equal(binaryValueText(types[2]!, false, cells[2]!), 'abc')
  assert.equal(binaryValueText(types[3]!, false, datetime), '2026-12-06 08:30:05')
  assert.equal(binaryValueText(types[4]!, false, time), '-26:03:04')
  assert.equal(binaryValueText(types[5]!, true, cells[5]!), '255')
  assert.equal(binaryValueText(types[5]!, false, cells[5]!), '-1')
  assert.equal(binaryValueText(types[6]!, false, double), '1.5')
  assert.throws(() => parseBinaryRow(row, types.slice(0, 6)), ProtocolViolation)
})

test('COM_QUERY, COM_FIELD_LIST and COM_STMT_PREPARE_OK round-trip', () => {
  const query = encodeTextCommand(Command.COM_QUERY, 'SELECT ’1’')
  assert.equal(query[0], Command.COM_QUERY)
  assert.equal(parseTextCommand(query), 'SELECT ’1’')
  assert.deepEqual(parseComFieldList(encodeComFieldList({ table: 't', wildcard: '%' })), {
    table: 't',
    wildcard: '%',
  })
  const ok = { statementId: 7, columnCount: 2, paramCount: 3, warnings: 0 }
  assert.deepEqual(parseStmtPrepareOk(encodeStmtPrepareOk(ok)), ok)
})

test('COM_STMT_EXECUTE with bound types, then reusing them', () => {
  const types = [
    { type: ColumnType.MYSQL_TYPE_LONGLONG, unsigned: true },
    { type: ColumnType.MYSQL_TYPE_VAR_STRING, unsigned: false },
    { type: ColumnType.MYSQL_TYPE_NULL, unsigned: false },
  ]
  const execute = {
    statementId: 7,
    flags: 0,
    iterationCount: 1,
    newParamsBound: true,
    types,
    values: [longlong(9n), Buffer.from('\x02hi'), null],
  }
  assert.deepEqual(parseComStmtExecute(encodeComStmtExecute(execute), 3, undefined), execute)
  const again = { ...execute, newParamsBound: false }
  assert.deepEqual(parseComStmtExecute(encodeComStmtExecute(again), 3, types), again)
  assert.throws(() => parseComStmtExecute(encodeComStmtExecute(again), 3, undefined), ProtocolViolation)
  const none = { statementId: 1, flags: 0, iterationCount: 1, newParamsBound: false, types: [], values: [] }
  assert.deepEqual(parseComStmtExecute(encodeComStmtExecute(none), 0, undefined), none)
})

test('binary BIGINT text: exact on both sides of 2^53, signed and unsigned', () => {
  const { MYSQL_TYPE_LONGLONG } = ColumnType
  const signed = [
    0n,
    1n,
    -1n,
    2n ** 32n,
    -(2n ** 32n) - 7n,
    2n ** 53n - 1n,
    2n ** 53n,
    -(2n ** 53n),
    -(2n ** 53n) - 1n,
  ]
  for (const v of [...signed, 2n ** 63n - 1n, -(2n ** 63n)])
    assert.equal(binaryValueText(MYSQL_TYPE_LONGLONG, false, longlong(v)), String(v))
  for (const v of [0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]) {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(v)
    assert.equal(binaryValueText(MYSQL_TYPE_LONGLONG, true, b), String(v))
  }
})
