// The MySQL relay loop's own JavaScript, without sockets, a database or core: one MysqlSession between two
// in-memory streams, its action gate the kit's real ActionGate over a core that allows everything and
// records nothing. A prepared point select (one integer parameter, one column, one binary row) executed N
// times, as sysbench oltp_read_only's statements are; prints µs of this process's CPU (user + system) per
// execution. What it measures is exactly what src/protocols/mysql/** costs per statement: core, recording
// and the kernel are left out (bench/mysql-throughput.ts measures all of it). CPU time, one thread, no
// waiting: far steadier on a shared machine than the end-to-end ratio, so before/after of one change shows.
//   node bench/mysql-session-micro.ts [--executions 200000] [--rounds 5] [--deprecate-eof]
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { ALLOW, type Core, type SessionHandle } from '../src/core/index.ts'
import { ActionGate } from '../src/protocols/kit/action-gate.ts'
import { createMysqlClassifier } from '../src/protocols/mysql/classify.ts'
import { MysqlSession } from '../src/protocols/mysql/session.ts'
import { encodeColumnCount, encodeColumnDefinition41 } from '../src/protocols/mysql/wire/column-definition.ts'
import {
  encodeComStmtExecute,
  encodeStmtPrepareOk,
  encodeTextCommand,
} from '../src/protocols/mysql/wire/commands.ts'
import { CapabilityFlag, ColumnType, Command } from '../src/protocols/mysql/wire/constants.ts'
import { encodeEofPacket, encodeOkPacket } from '../src/protocols/mysql/wire/generic-responses.ts'
import { encodePacket } from '../src/protocols/mysql/wire/packet-reader.ts'
import { encodeBinaryRow } from '../src/protocols/mysql/wire/result-rows.ts'

const { values } = parseArgs({
  options: {
    executions: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    'deprecate-eof': { type: 'boolean', default: false },
  },
})

/** Just what the session uses of a socket; writes are handed to `onWrite`. */
class FakeSocket extends EventEmitter {
  onWrite: (bytes: Buffer) => void = () => {}
  writableNeedDrain = false
  #paused = false
  write(bytes: Buffer): boolean {
    this.onWrite(bytes)
    return true
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    this.#paused = true
    return this
  }
  resume(): this {
    this.#paused = false
    return this
  }
  isPaused(): boolean {
    return this.#paused
  }
  end(): void {}
  destroy(): void {}
}

const capabilities =
  CapabilityFlag.CLIENT_PROTOCOL_41 | (values['deprecate-eof'] ? CapabilityFlag.CLIENT_DEPRECATE_EOF : 0)
const deprecateEof = values['deprecate-eof']

/** A server answer: packets numbered from 1. */
function answer(payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.map((p, i) => encodePacket(p, i + 1).bytes))
}

const column = encodeColumnDefinition41({
  catalog: 'def',
  schema: 'sbtest',
  table: 'sbtest1',
  orgTable: 'sbtest1',
  name: 'c',
  orgName: 'c',
  characterSet: 45,
  columnLength: 480,
  type: ColumnType.MYSQL_TYPE_STRING,
  flags: 1,
  decimals: 0,
})
const parameter = encodeColumnDefinition41({
  catalog: 'def',
  schema: '',
  table: '',
  orgTable: '',
  name: '?',
  orgName: '',
  characterSet: 63,
  columnLength: 0,
  type: ColumnType.MYSQL_TYPE_LONG,
  flags: 128,
  decimals: 0,
})
const eof = encodeEofPacket({ warnings: 0, statusFlags: 2 })
const ok = encodeOkPacket(
  { affectedRows: 0, lastInsertId: 0, statusFlags: 2, warnings: 0, info: '' },
  capabilities,
  0xfe,
)
const prepareAnswer = answer([
  encodeStmtPrepareOk({ statementId: 1, columnCount: 1, paramCount: 1, warnings: 0 }),
  parameter,
  ...(deprecateEof ? [] : [eof]),
  column,
  ...(deprecateEof ? [] : [eof]),
])
const row = encodeBinaryRow([Buffer.concat([Buffer.from([119]), Buffer.alloc(119, 0x37)])])
const executeAnswer = answer([
  encodeColumnCount(1),
  column,
  ...(deprecateEof ? [] : [eof]),
  row,
  deprecateEof ? ok : eof,
])
const int4 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32LE(n)
  return b
}
const execute = (id: number, bind: boolean) =>
  encodePacket(
    encodeComStmtExecute({
      statementId: 1,
      flags: 0,
      iterationCount: 1,
      newParamsBound: bind,
      types: [{ type: ColumnType.MYSQL_TYPE_LONG, unsigned: false }],
      values: [int4(id)],
    }),
    0,
  ).bytes

const client = new FakeSocket()
const upstream = new FakeSocket()
let seq = 0
const core = {
  wantsRowEstimate: () => false,
  decide: () => ALLOW,
  startAction: () => ({ seq: ++seq }),
  recordAction: () => {},
} as unknown as Core
const logger = pino({ level: 'silent' })
const gate = new ActionGate({
  core,
  handle: { countResult: () => undefined } as unknown as SessionHandle,
  logger,
  signal: new AbortController().signal,
})
const session = new MysqlSession({
  gate,
  logger,
  client: client as unknown as Duplex,
  upstream: upstream as unknown as Duplex,
  capabilities,
  classifier: createMysqlClassifier(),
  database: 'sbtest',
  statusFlags: 2,
  masking: undefined,
  limits: {
    maxPacketBytes: 16 * 1024 * 1024,
    incompletePacketTimeoutMs: 60_000,
    maxStatementBytes: 1024 * 1024,
    maxStatementsPerQuery: 100,
    maxPreparedStatements: 1024,
  },
  decisionData: false,
  recordRefusal: () => {},
})
session.start(Buffer.alloc(0), Buffer.alloc(0))

let sentUp = 0
let sentClient = 0
upstream.onWrite = () => sentUp++
client.onWrite = () => sentClient++
client.emit(
  'data',
  encodePacket(encodeTextCommand(Command.COM_STMT_PREPARE, 'SELECT c FROM sbtest1 WHERE id=?'), 0).bytes,
)
upstream.emit('data', prepareAnswer)
client.emit('data', execute(1, true))
upstream.emit('data', executeAnswer)
if (sentUp !== 2 || sentClient !== 2)
  throw new Error(`the session did not relay: ${sentUp} up, ${sentClient} down`)

const n = Number(values.executions)
const commands = Array.from({ length: 1024 }, (_, i) => execute(i + 1, false))
const results: number[] = []
for (let round = 0; round < Number(values.rounds); round++) {
  const before = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    client.emit('data', commands[i & 1023]!)
    upstream.emit('data', executeAnswer)
  }
  const used = process.cpuUsage(before)
  results.push((used.user + used.system) / n)
}
if (sentUp !== 2 + n * results.length) throw new Error(`executions went missing: ${sentUp} sent upstream`)
const sorted = [...results].sort((a, b) => a - b)
process.stdout.write(
  `MysqlSession, prepared point select, ${deprecateEof ? 'CLIENT_DEPRECATE_EOF' : 'EOF packets'}: ${results.map((r) => r.toFixed(2)).join(' ')} µs CPU/execution; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}, least ${sorted[0]!.toFixed(2)} (load average ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})\n`,
)
session.shutdown(Buffer.alloc(0))
