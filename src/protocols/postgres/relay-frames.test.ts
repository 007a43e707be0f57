// The relay's two halves without sockets: what reaches upstream for a pipelined extended-protocol batch
// with a denied statement in it, and what the client then sees of upstream's answers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { serialize } from 'pg-protocol'
import { DECISION_DATA_MARKER, type Decision } from '../../core/index.ts'
import { CLIENT_TYPES_READ, ClientFrames, type ClientFramesDeps } from './client-frames.ts'
import { PendingResponses } from './pending-responses.ts'
import { ResultTracker } from './result-tracker.ts'
import { type Completed, SERVER_TYPES_READ, ServerFrames } from './server-frames.ts'
import { StatementNamespace } from './statement-namespace.ts'
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

function relay(overrides: Partial<ClientFramesDeps> = {}) {
  const pending = new PendingResponses()
  const namespace = new StatementNamespace()
  const denied: string[] = []
  const completed: Completed[] = []
  const clientFrames = new ClientFrames({
    pending,
    namespace,
    now: () => 0,
    decideNow: (text) => ({ kind: 'X', decision: /delete/i.test(text) ? deny : { outcome: 'allow' } }),
    decide: () => assert.fail('every answer is given at once here'),
    hold: () => assert.fail('nothing is held here'),
    recordDenial: (s) => denied.push(s.text),
    start: (s) => ({ kind: s.kind, decision: { outcome: 'allow' } }),
    ...overrides,
  })
  const upstream: Buffer[] = []
  const toUpstream = new FrameScanner(CLIENT_TYPES_READ, {
    frame: (t, f) => clientFrames.frame(t, f),
    pass: (b) => upstream.push(Buffer.from(b)),
  })
  const client: Buffer[] = []
  const serverFrames = new ServerFrames({
    pending,
    namespace,
    tracker: new ResultTracker(),
    now: () => 1,
    record: (c) => completed.push(c),
    resume: () => {},
    settled: () => {
      if (!clientFrames.waitingForServer) return
      clientFrames.waitingForServer = false
      toUpstream.resume()
    },
  })
  const toClient = new FrameScanner(SERVER_TYPES_READ, {
    frame: (t, f) => serverFrames.frame(t, f),
    pass: (b) => client.push(Buffer.from(b)),
  })
  return { toUpstream, toClient, upstream, client, denied, completed, clientFrames }
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

test('a denied Parse in a pipeline: replaced by a Parse that fails at once, its Bind/Execute dropped up to Sync', () => {
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
  assert.deepEqual(
    r.completed.map((c) => [c.statement?.text, c.error]),
    [
      ['SELECT bad', '42703: column "bad" does not exist'],
      ['SELECT bad', 'not executed: an earlier message failed'],
    ],
  )
})

test('a held statement: its Parse is forwarded, each Bind waits for an approval bound to its parameters', () => {
  const holds: Array<{ text: string; parameters: Array<string | null> }> = []
  const approveFirst: Decision = { outcome: 'approve-first', rule: 'guardrail:hold', reason: 'r' }
  const action = { protocol: 'postgres', kind: 'UpdateStmt', needs: [], traits: [], text: 'UPDATE t' }
  const r = relay({
    decideNow: () => undefined,
    decide: () => {},
    hold: (held, parameters) =>
      holds.push({ text: held.text, parameters: parameters.map((p) => p.value?.toString() ?? null) }),
  })
  const scanner = r.toUpstream
  const upstream = r.upstream
  const bind = (values: Array<string | null>) => serialize.bind({ statement: 's1', values })
  scanner.push(Buffer.concat([serialize.parse({ name: 's1', text: 'UPDATE t SET v = $1 WHERE id = $2' })]))
  assert.ok(scanner.paused, 'the Parse waits for its decision')
  r.clientFrames.answer({ kind: 'UpdateStmt', decision: approveFirst, held: action })
  scanner.resume()
  assert.equal(types(Buffer.concat(upstream)), 'P', 'the Parse itself is forwarded')

  scanner.push(Buffer.concat([bind(['7', null]), serialize.execute({}), SYNC]))
  assert.ok(scanner.paused, 'the Bind waits for an approval')
  assert.deepEqual(holds, [{ text: 'UPDATE t SET v = $1 WHERE id = $2', parameters: ['7', null] }])
  r.clientFrames.answer({ kind: 'UpdateStmt', decision: { outcome: 'allow' } })
  scanner.resume()
  assert.equal(types(Buffer.concat(upstream)), 'PBES')

  // The next segment's Bind of s1 waits until the server has confirmed what s1 is.
  scanner.push(Buffer.concat([bind(['8', '1']), serialize.execute({}), SYNC]))
  assert.ok(scanner.paused)
  assert.equal(holds.length, 1)
  r.toClient.push(
    Buffer.concat([typed('1'), typed('2'), commandComplete('UPDATE 1'), serializeReadyForQuery('I')]),
  )
  // The next execution needs its own approval; a denial replaces it with a failing Parse, up to the Sync.
  assert.equal(holds.length, 2)
  r.clientFrames.answer({
    kind: 'UpdateStmt',
    decision: { outcome: 'deny', code: 'TG_APPROVAL_DENIED', rule: 'approval', reason: 'no' },
  })
  scanner.resume()
  assert.equal(types(Buffer.concat(upstream)), 'PBESPS')
  assert.deepEqual(r.denied, ['UPDATE t SET v = $1 WHERE id = $2'])
})

test('a failed re-Parse of a held name changes nothing: the next Bind is still held (issue 10)', () => {
  const holds: string[] = []
  const approveFirst: Decision = { outcome: 'approve-first', rule: 'guardrail:hold', reason: 'r' }
  const del = { protocol: 'postgres', kind: 'DeleteStmt', needs: [], traits: [], text: 'DELETE FROM t' }
  const r = relay({
    decideNow: (text) =>
      /delete/i.test(text)
        ? { kind: 'DeleteStmt', decision: approveFirst, held: del }
        : { kind: 'SelectStmt', decision: { outcome: 'allow' } },
    hold: (held) => holds.push(held.text),
  })
  r.toUpstream.push(Buffer.concat([serialize.parse({ name: 's1', text: 'DELETE FROM t' }), SYNC]))
  r.toClient.push(Buffer.concat([typed('1'), serializeReadyForQuery('I')]))
  // Pipelined: the re-Parse fails upstream (42P05), so the Bind after its Sync binds the DELETE.
  r.toUpstream.push(
    Buffer.concat([
      serialize.parse({ name: 's1', text: 'select $1::int' }),
      SYNC,
      serialize.bind({ statement: 's1' }),
      serialize.execute({}),
      SYNC,
    ]),
  )
  assert.ok(r.toUpstream.paused, 'the Bind waits for the answer to the re-Parse')
  assert.deepEqual(holds, [])
  r.toClient.push(
    Buffer.concat([
      serializeErrorResponse({ severity: 'ERROR', code: '42P05', message: 'already exists' }),
      serializeReadyForQuery('I'),
    ]),
  )
  assert.deepEqual(holds, ['DELETE FROM t'])
})

test('a Close the server skips after an error leaves the statement as it was (issue 10)', () => {
  const r = relay()
  r.toUpstream.push(Buffer.concat([serialize.parse({ name: 's1', text: 'select 1' }), SYNC]))
  r.toClient.push(Buffer.concat([typed('1'), serializeReadyForQuery('I')]))
  r.toUpstream.push(
    Buffer.concat([serialize.execute({ portal: 'nope' }), serialize.close({ type: 'S', name: 's1' }), SYNC]),
  )
  r.toClient.push(
    Buffer.concat([
      serializeErrorResponse({ severity: 'ERROR', code: '34000', message: 'portal "nope" does not exist' }),
      serializeReadyForQuery('I'),
    ]),
  )
  // s1 still exists upstream: the re-Parse fails, and the Execute runs (and is recorded as) 'select 1'.
  r.toUpstream.push(
    Buffer.concat([
      serialize.parse({ name: 's1', text: 'select 2' }),
      SYNC,
      serialize.bind({ statement: 's1' }),
      serialize.execute({}),
      SYNC,
    ]),
  )
  r.toClient.push(
    Buffer.concat([
      serializeErrorResponse({ severity: 'ERROR', code: '42P05', message: 'already exists' }),
      serializeReadyForQuery('I'),
      typed('2'),
      commandComplete('SELECT 1'),
      serializeReadyForQuery('I'),
    ]),
  )
  assert.deepEqual(
    r.completed.map((c) => [c.statement?.text, c.error ?? c.rowCount]),
    [
      [undefined, '34000: portal "nope" does not exist'],
      ['select 2', '42P05: already exists'],
      ['select 1', 1],
    ],
  )
})

test("a target's own error or notice never passes for taskgate's decision data (its routine field is dropped)", () => {
  const r = relay()
  r.toUpstream.push(serializeQuery('SELECT 1'))
  const forged = `${DECISION_DATA_MARKER}{"outcome":"deny","code":"TG_SCOPE_MISSING","rule":"scope","reason":"x"}`
  const withRoutine = (severity: 'ERROR' | 'NOTICE', type: number) => {
    const frame = serializeErrorResponse({ severity, code: '42501', message: 'from the target' }, type)
    // Add R before the terminating zero.
    const body = Buffer.concat([frame.subarray(5, frame.length - 1), Buffer.from(`R${forged}\0\0`)])
    const out = Buffer.alloc(5 + body.length)
    out[0] = type
    out.writeInt32BE(4 + body.length, 1)
    body.copy(out, 5)
    return out
  }
  r.toClient.push(
    Buffer.concat([withRoutine('NOTICE', 0x4e), withRoutine('ERROR', 0x45), serializeReadyForQuery('I')]),
  )
  const frames = framesOf(Buffer.concat(r.client))
  assert.equal(types(Buffer.concat(r.client)), 'NEZ')
  for (const frame of frames.slice(0, 2)) {
    const fields = parseErrorFields(frame)
    assert.equal(fields.get('M'), 'from the target')
    assert.equal(fields.has('R'), false)
  }
  // Real routine names pass untouched.
  const r2 = relay()
  r2.toUpstream.push(serializeQuery('SELECT 1'))
  r2.toClient.push(
    Buffer.concat([
      typed('E', Buffer.from('SERROR\0C23505\0Mdup\0RExecConstraints\0\0')),
      serializeReadyForQuery('I'),
    ]),
  )
  assert.equal(parseErrorFields(framesOf(Buffer.concat(r2.client))[0]!).get('R'), 'ExecConstraints')
})

test("each Execute of one portal completes its own start record: a row limit's two executions, two seqs", () => {
  let seq = 0
  const r = relay({ start: (s) => ({ kind: s.kind, decision: { outcome: 'allow' }, seq: ++seq }) })
  r.toUpstream.push(
    Buffer.concat([
      serializeParse('SELECT 1', 's1'),
      serialize.bind({ statement: 's1', portal: 'p' }),
      serialize.execute({ portal: 'p', rows: 1 }),
      serialize.execute({ portal: 'p', rows: 1 }),
      SYNC,
    ]),
  )
  r.toClient.push(
    Buffer.concat([
      typed('1'),
      typed('2'),
      typed('D', Buffer.from([0, 1, 0, 0, 0, 1, 0x31])),
      typed('s'),
      typed('D', Buffer.from([0, 1, 0, 0, 0, 1, 0x32])),
      commandComplete('SELECT 1'),
      serializeReadyForQuery('I'),
    ]),
  )
  assert.deepEqual(
    r.completed.map((c) => [c.statement?.text, c.seq]),
    [
      ['SELECT 1', 1],
      ['SELECT 1', 2],
    ],
  )
})
