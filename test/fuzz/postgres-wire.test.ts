// Client bytes never throw past the wire boundary: any input either parses or raises ProtocolViolation
// (which closes that connection with 08P01), never another error and never a hang.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { CLIENT_TYPES_READ, ClientFrames } from '../../src/protocols/postgres/client-frames.ts'
import { PendingResponses } from '../../src/protocols/postgres/pending-responses.ts'
import { StatementNamespace } from '../../src/protocols/postgres/statement-namespace.ts'
import { parseStartupPacket } from '../../src/protocols/postgres/wire/client-messages.ts'
import { FrameScanner } from '../../src/protocols/postgres/wire/frame-scanner.ts'
import { ProtocolViolation } from '../../src/protocols/postgres/wire/protocol-violation.ts'

const onlyViolations = (run: () => void) => {
  try {
    run()
  } catch (error) {
    assert.ok(error instanceof ProtocolViolation, String(error))
  }
}

/** Frames with a plausible header and random bodies, so parsers past the splitter get exercised. */
const frameArb = fc
  .tuple(fc.constantFrom(...'QPBESCDHXcfFpdz'), fc.uint8Array({ maxLength: 40 }))
  .map(([type, body]) => {
    const out = Buffer.alloc(5 + body.length)
    out.write(type, 0, 'latin1')
    out.writeInt32BE(4 + body.length, 1)
    out.set(body, 5)
    return out
  })
const streamArb = fc.oneof(
  fc.array(frameArb, { maxLength: 10 }).map((f) => Buffer.concat(f)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
)

test('client frames: any byte stream in any chunking parses or is a ProtocolViolation', () => {
  fc.assert(
    fc.property(streamArb, fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
      const frames = new ClientFrames({
        pending: new PendingResponses(),
        now: () => 0,
        decideNow: (text) => ({
          kind: 'X',
          decision:
            text.length % 2
              ? { outcome: 'allow' }
              : { outcome: 'deny', code: 'TG_SCOPE_MISSING', rule: 'scope', reason: 'r' },
        }),
        decide: () => {},
        hold: () => {},
        namespace: new StatementNamespace(),
        recordDenial: () => {},
        start: (s) => ({ kind: s.kind, decision: { outcome: 'allow' } }),
      })
      const scanner = new FrameScanner(
        CLIENT_TYPES_READ,
        { frame: (t, f) => frames.frame(t, f), pass: () => {} },
        1 << 20,
      )
      onlyViolations(() => {
        for (let i = 0; i < bytes.length; i += chunk) scanner.push(bytes.subarray(i, i + chunk))
      })
    }),
    { numRuns: 3000 },
  )
})

test('startup packets: any bytes parse or are a ProtocolViolation', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (body) => {
      const packet = Buffer.alloc(8 + body.length)
      packet.writeInt32BE(packet.length, 0)
      packet.writeInt32BE(196608, 4)
      packet.set(body, 8)
      onlyViolations(() => parseStartupPacket(packet))
      onlyViolations(() => parseStartupPacket(Buffer.from(body)))
    }),
    { numRuns: 3000 },
  )
})
