// Bytes from either side never throw past the MySQL wire boundary: any input parses or raises
// ProtocolViolation (which closes that connection with an ERR packet), never another error, never a hang,
// and the packet reader never holds more than its bound.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { ResponseTracker } from '../../src/protocols/mysql/response-tracker.ts'
import { parseColumnDefinition41 } from '../../src/protocols/mysql/wire/column-definition.ts'
import {
  parseComFieldList,
  parseComSetOption,
  parseComStmtExecute,
  parseStatementId,
  parseStmtPrepareOk,
} from '../../src/protocols/mysql/wire/commands.ts'
import { ColumnType } from '../../src/protocols/mysql/wire/constants.ts'
import {
  parseEofPacket,
  parseErrPacket,
  parseOkPacket,
} from '../../src/protocols/mysql/wire/generic-responses.ts'
import {
  parseAuthSwitchRequest,
  parseHandshakeResponse41,
  parseHandshakeV10,
} from '../../src/protocols/mysql/wire/handshake.ts'
import { PacketReader } from '../../src/protocols/mysql/wire/packet-reader.ts'
import { ProtocolViolation } from '../../src/protocols/mysql/wire/protocol-violation.ts'
import { parseBinaryRow, parseTextRow } from '../../src/protocols/mysql/wire/result-rows.ts'

const onlyViolations = (run: () => void) => {
  try {
    run()
  } catch (error) {
    assert.ok(error instanceof ProtocolViolation, String(error))
  }
}

const payloadArb = fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b))
const allTypes = Object.values(ColumnType)

test('packet reader: any byte stream in any chunking yields packets or a ProtocolViolation, bounded', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
      const reader = new PacketReader(256)
      onlyViolations(() => {
        for (let at = 0; at < bytes.length; at += chunk) {
          reader.push(Buffer.from(bytes.subarray(at, at + chunk)))
          assert.ok(reader.bufferedBytes <= 256 + 4 + chunk)
        }
      })
    }),
  )
})

test('every payload parser: any payload parses or is a ProtocolViolation', () => {
  const parsers: ((p: Buffer) => unknown)[] = [
    parseHandshakeV10,
    parseHandshakeResponse41,
    parseAuthSwitchRequest,
    (p) => parseOkPacket(p, 0),
    (p) => parseOkPacket(p, 1 << 23),
    parseErrPacket,
    parseEofPacket,
    parseColumnDefinition41,
    parseComFieldList,
    parseComSetOption,
    parseStatementId,
    parseStmtPrepareOk,
  ]
  fc.assert(
    fc.property(payloadArb, (payload) => {
      for (const parse of parsers) onlyViolations(() => parse(payload))
    }),
    { numRuns: 2000 },
  )
})

test('rows and COM_STMT_EXECUTE: any payload for any column types parses or is a ProtocolViolation', () => {
  fc.assert(
    fc.property(
      payloadArb,
      fc.array(fc.constantFrom(...allTypes, 99), { maxLength: 6 }),
      (payload, types) => {
        onlyViolations(() => parseTextRow(payload, types.length))
        onlyViolations(() => parseBinaryRow(payload, types))
        const bound = types.map((type) => ({ type, unsigned: false }))
        onlyViolations(() => parseComStmtExecute(payload, types.length, undefined))
        onlyViolations(() => parseComStmtExecute(payload, types.length, bound))
      },
    ),
    { numRuns: 2000 },
  )
})

test('the response tracker: any packets after any command are steps or a ProtocolViolation', () => {
  const commands = [0x03, 0x16, 0x17, 0x1c, 0x04, 0x09, 0x0e, 0x02, 0x1a, 0x19, 0x01, 0x00, 0x11]
  fc.assert(
    fc.property(
      fc.constantFrom(...commands),
      fc.array(payloadArb, { maxLength: 12 }),
      fc.boolean(),
      (command, payloads, deprecateEof) => {
        const tracker = new ResponseTracker(deprecateEof ? 1 << 24 : 0)
        onlyViolations(() => {
          if (!tracker.begin(command)) return
          for (const payload of payloads) if (tracker.packet(payload).done) tracker.begin(command)
        })
      },
    ),
    { numRuns: 2000 },
  )
})
