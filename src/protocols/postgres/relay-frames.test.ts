// The relay's two halves without sockets: what reaches upstream for a pipelined extended-protocol batch
// with a denied statement in it, and what the client then sees of upstream's answers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { serialize } from 'pg-protocol'
import type { Decision } from '../../core/index.ts'
import { CLIENT_TYPES_READ, ClientFrames } from './client-frames.ts'
import { PendingResponses } from './pending-responses.ts'
import { ResultTracker } from './result-tracker.ts'
import { type Completed, SERVER_TYPES_READ, ServerFrames } from './server-frames.ts'
import { SYNC, serializeParse, serializeQuery } from './wire/client-messages.ts'
import { FrameScanner } from './wire/frame-scanner.ts'
import { parseErrorFields, serializeErrorResponse, serializeReadyForQuery } from './wire/server-messages.ts'

const deny: Decision = {
  outcome: 'deny',
  code: 'TG_SCOPE_MISSING',
  rule: 'scope',
  reason: 'no delete',
  missingScope: [{ verb: 'delete', object: 'public.t' }],
  requestHint: 'taskgate grant request db --scope delete:public.t',
}

function relay() {
  const pending = new PendingResponses()
  const denied: string[] = []
  const completed: Completed[] = []
  const clientFrames = new ClientFrames({
    pending,
    now: () => 0,
    decideNow: (text) => ({ kind: 'X', decision: /delete/i.test(text) ? deny : { outcome: 'allow' } }),
    decide: () => assert.fail('every answer is given at once here'),
    hold: () => assert.fail('nothing is held here'),
    forget: () => {},
    start: (s) => ({ kind: s.kind, decision: { outcome: 'allow' } }),
    recordDenial: (s) => denied.push(s.text),
  })
  const upstream: Buffer[] = []
  const toUpstream = new FrameScanner(CLIENT_TYPES_READ, {
    frame: (t, f) => clientFrames.frame(t, f),
    pass: (b) => upstream.push(Buffer.from(b)),
  })
  const client: Buffer[] = []
  const serverFrames = new ServerFrames({
    pending,
    tracker: new ResultTracker(),
    now: () => 1,
    record: (c) => completed.push(c),
    resume: () => {},
  })
  const toClient = new FrameScanner(SERVER_TYPES_READ, {
    frame: (t, f) => serverFrames.frame(t, f),
    pass: (b) => client.push(Buffer.from(b)),
  })
  return { toUpstream, toClient, upstream, client, denied, completed }
}

const typed = (type: string, body: Buffer = Buffer.alloc(0)) => {
  const out = Buffer.alloc(5 + body.length)
  out.write(type, 0, 'latin1')
  out.writeInt32BE(4 + body.length, 1)
  body.copy(out, 5)
  return out
}
const commandComplete = (tag: string) => typed('C', Buffer.from(`${tag}\0`))
const framesOf = (bytes: Buffer): Buffer[] => {
  const out: Buffer[] = []
  for (let pos = 0; pos < bytes.length; pos += 1 + bytes.readInt32BE(pos + 1)) {
    out.push(bytes.subarray(pos, pos + 1 + bytes.readInt32BE(pos + 1)))
  }
  return out
}
const types = (bytes: Buffer): string =>
  framesOf(bytes)
    .map((f) => String.fromCharCode(f[0]!))
    .join('')

test('a denied Parse in a pipeline: it and its Bind/Execute are dropped, the Sync provokes the error upstream', () => {
  const r = relay()
  const batch = Buffer.concat([
    serializeParse('SELECT 1'),
    serialize.bind({}),
    serialize.execute({}),
    serializeParse('DELETE FROM t'),
    serialize.bind({}),
    serialize.execute({}),
    SYNC,
    serializeParse('SELECT 2'),
    serialize.bind({}),
    serialize.execute({}),
    SYNC,
  ])
  r.toUpstream.push(batch)
  const sent = Buffer.concat(r.upstream)
  assert.equal(types(sent), 'PBEPSPBES')
  assert.match(sent.toString('latin1'), /taskgate: statement denied/)
  assert.deepEqual(r.denied, ['DELETE FROM t'])

  // Upstream: statement 1 runs, the injected Parse fails, Sync; statement 2 runs, Sync.
  r.toClient.push(
    Buffer.concat([
      typed('1'),
      typed('2'),
      typed('D', Buffer.from([0, 1, 0, 0, 0, 1, 0x31])),
      commandComplete('SELECT 1'),
      serializeErrorResponse({ severity: 'ERROR', code: '42601', message: 'syntax error' }),
      serializeReadyForQuery('T'),
      typed('1'),
      typed('2'),
      commandComplete('SELECT 1'),
      serializeReadyForQuery('I'),
    ]),
  )
  const seen = Buffer.concat(r.client)
  assert.equal(types(seen), '12DCEZ12CZ')
  const fields = parseErrorFields(framesOf(seen).find((f) => f[0] === 0x45)!)
  assert.equal(fields.get('C'), '42501')
  assert.equal(fields.get('D'), 'missing scope: delete:public.t')
  assert.deepEqual(
    r.completed.map((c) => [c.statement?.text, c.rowCount]),
    [
      ['SELECT 1', 1],
      ['SELECT 2', 1],
    ],
  )
})

test('a simple Query denial is replaced by a failing query; its ErrorResponse by ours', () => {
  const r = relay()
  r.toUpstream.push(Buffer.concat([serializeQuery('DELETE FROM t'), serializeQuery('SELECT 1')]))
  const sent = Buffer.concat(r.upstream)
  assert.equal(types(sent), 'QQ')
  assert.match(sent.toString('latin1'), /taskgate: statement denied/)
  r.toClient.push(
    Buffer.concat([
      serializeErrorResponse({ severity: 'ERROR', code: '25P02', message: 'aborted' }),
      serializeReadyForQuery('E'),
      commandComplete('SELECT 1'),
      serializeReadyForQuery('E'),
    ]),
  )
  const seen = Buffer.concat(r.client)
  assert.equal(types(seen), 'EZCZ')
  assert.equal(parseErrorFields(seen.subarray(0, 1 + seen.readInt32BE(1))).get('C'), '42501')
  assert.equal(r.completed[0]?.rowCount, 1)
})

test('an earlier error in the segment wins: the denial is not shown, as PostgreSQL would not reach it', () => {
  const r = relay()
  r.toUpstream.push(
    Buffer.concat([
      serializeParse('SELECT bad'),
      serialize.bind({}),
      serialize.execute({}),
      serializeParse('DELETE FROM t'),
      SYNC,
    ]),
  )
  r.toClient.push(
    Buffer.concat([
      serializeErrorResponse({ severity: 'ERROR', code: '42703', message: 'column "bad" does not exist' }),
      serializeReadyForQuery('I'),
    ]),
  )
  const seen = Buffer.concat(r.client)
  assert.equal(types(seen), 'EZ')
  assert.equal(parseErrorFields(seen.subarray(0, 1 + seen.readInt32BE(1))).get('C'), '42703')
  assert.equal(r.completed[0]?.error, '42703: column "bad" does not exist')
})

test('a held statement: its Parse is forwarded, each Bind waits for an approval bound to its parameters', () => {
  const pending = new PendingResponses()
  const holds: Array<{ text: string; parameters: Array<string | null> }> = []
  const denied: string[] = []
  const approveFirst: Decision = { outcome: 'approve-first', rule: 'guardrail:hold', reason: 'r' }
  const action = { protocol: 'postgres', kind: 'UpdateStmt', needs: [], traits: [], text: 'UPDATE t' }
  const frames = new ClientFrames({
    pending,
    now: () => 0,
    decideNow: () => undefined,
    decide: () => {},
    hold: (held, parameters) =>
      holds.push({ text: held.text, parameters: parameters.map((p) => p.value?.toString() ?? null) }),
    forget: () => {},
    start: (s) => ({ kind: s.kind, decision: { outcome: 'allow' } }),
    recordDenial: (s) => denied.push(s.text),
  })
  const upstream: Buffer[] = []
  const scanner = new FrameScanner(CLIENT_TYPES_READ, {
    frame: (t, f) => frames.frame(t, f),
    pass: (b) => upstream.push(Buffer.from(b)),
  })
  const bind = (values: Array<string | null>) => serialize.bind({ statement: 's1', values })
  scanner.push(Buffer.concat([serialize.parse({ name: 's1', text: 'UPDATE t SET v = $1 WHERE id = $2' })]))
  assert.ok(scanner.paused, 'the Parse waits for its decision')
  frames.answer({ kind: 'UpdateStmt', decision: approveFirst, held: action })
  scanner.resume()
  assert.equal(types(Buffer.concat(upstream)), 'P', 'the Parse itself is forwarded')

  scanner.push(Buffer.concat([bind(['7', null]), serialize.execute({}), SYNC]))
  assert.ok(scanner.paused, 'the Bind waits for an approval')
  assert.deepEqual(holds, [{ text: 'UPDATE t SET v = $1 WHERE id = $2', parameters: ['7', null] }])
  frames.answer({ kind: 'UpdateStmt', decision: { outcome: 'allow' } })
  scanner.resume()
  assert.equal(types(Buffer.concat(upstream)), 'PBES')

  // The next execution needs its own approval; a denial drops it and fails at the Sync.
  scanner.push(Buffer.concat([bind(['8', '1']), serialize.execute({}), SYNC]))
  assert.equal(holds.length, 2)
  frames.answer({
    kind: 'UpdateStmt',
    decision: { outcome: 'deny', code: 'TG_APPROVAL_DENIED', rule: 'approval', reason: 'no' },
  })
  scanner.resume()
  assert.equal(types(Buffer.concat(upstream)), 'PBESPS')
  assert.deepEqual(denied, ['UPDATE t SET v = $1 WHERE id = $2'])
})
