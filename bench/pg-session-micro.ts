// The PostgreSQL relay's own JavaScript per pgbench select-only transaction, without sockets, a database or
// core's policy and recording: one RelaySession between two in-memory streams, its statements classified by
// the real classifier and started through the kit's real ActionGate over a core that allows everything and
// records nothing. Each transaction is pgbench -S's messages in one chunk and the server's answer in one
// chunk, in simple (a new literal per transaction), extended (unnamed Parse/Bind/Describe/Execute/Sync) or
// prepared (Bind/Describe/Execute/Sync of a named statement) mode. Prints µs of this process's CPU (user +
// system) per transaction: one thread and no waiting, so before/after of one change shows on a loaded
// machine where the end-to-end ratio (bench/pg-cpu.ts) moves by ±20 % between identical runs.
// `--baseline DIR` loads the same session from another checkout into this process and alternates rounds
// between the two trees: an A/B under the same load and the same JIT.
//   node bench/pg-session-micro.ts [--transactions 200000] [--rounds 7] [--mode simple|extended|prepared|all]
//                                  [--baseline DIR]
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Duplex } from 'node:stream'
import { parseArgs } from 'node:util'
import pino from 'pino'

const { values } = parseArgs({
  options: {
    transactions: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '7' },
    mode: { type: 'string', default: 'all' },
    baseline: { type: 'string' },
  },
})

/** Just what the session uses of a socket; writes are counted. */
class FakeSocket extends EventEmitter {
  writes = 0
  writableNeedDrain = false
  destroyed = false
  write(_bytes: Buffer): boolean {
    this.writes++
    return true
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    return this
  }
  resume(): this {
    return this
  }
  end(): void {}
  destroy(): void {}
}

// Messages, hand-encoded as pgbench and PostgreSQL 15 send them.
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head[0] = type.charCodeAt(0)
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}
const cstr = (s: string) => Buffer.from(`${s}\0`)
const int16 = (n: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const SELECT = 'SELECT abalance FROM pgbench_accounts WHERE aid = $1;'
const query = (aid: number) => message('Q', cstr(SELECT.replace('$1', String(aid))))
const parse = (name: string) => message('P', cstr(name), cstr(SELECT), int16(0))
const bind = (statement: string, aid: number) => {
  const value = Buffer.from(String(aid))
  return message('B', cstr(''), cstr(statement), int16(0), int16(1), int32(value.length), value, int16(0))
}
const describePortal = message('D', Buffer.from('P\0'))
const execute = message('E', cstr(''), int32(0))
const sync = message('S')
const rowDescription = message(
  'T',
  int16(1),
  cstr('abalance'),
  int32(16_396),
  int16(3),
  int32(23),
  int16(4),
  int32(-1),
  int16(0),
)
const dataRow = message('D', int16(1), int32(1), Buffer.from('0'))
const selectOne = message('C', cstr('SELECT 1'))
const ready = message('Z', Buffer.from('I'))
const parseComplete = message('1')
const bindComplete = message('2')

type Mode = 'simple' | 'extended' | 'prepared'
const modes: Mode[] = values.mode === 'all' ? ['simple', 'extended', 'prepared'] : [values.mode as Mode]
const clientChunk: Record<Mode, (aid: number) => Buffer> = {
  simple: (aid) => query(aid),
  extended: (aid) => Buffer.concat([parse(''), bind('', aid), describePortal, execute, sync]),
  prepared: (aid) => Buffer.concat([bind('P0_1', aid), describePortal, execute, sync]),
}
const serverChunk: Record<Mode, Buffer> = {
  simple: Buffer.concat([rowDescription, dataRow, selectOne, ready]),
  extended: Buffer.concat([parseComplete, bindComplete, rowDescription, dataRow, selectOne, ready]),
  prepared: Buffer.concat([bindComplete, rowDescription, dataRow, selectOne, ready]),
}
// pgbench -M prepared parses its statement once per connection.
/** Distinct simple-mode texts cycled: more than the session's allow cache keeps (2,048). */
const SIMPLE_TEXTS = 50_000
const prepareChunks = [Buffer.concat([parse('P0_1'), sync]), Buffer.concat([parseComplete, ready])]

interface Tree {
  name: string
  /** A fresh session of this tree in `mode`, and the step that runs `n` transactions through it. */
  session(mode: Mode): Promise<(n: number) => void>
}

async function loadTree(name: string, root: string): Promise<Tree> {
  const src = (path: string) => import(resolve(root, 'src', path))
  const { RelaySession } = await src('protocols/postgres/session.ts')
  const { createClassifier, loadSqlParser } = await src('protocols/postgres/classify.ts')
  const { ALLOW } = await src('core/index.ts')
  await loadSqlParser()
  const logger = pino({ level: 'silent' })
  return {
    name,
    async session(mode) {
      const client = new FakeSocket()
      const upstream = new FakeSocket()
      let seq = 0
      const core = {
        maskingFor: () => undefined,
        wantsRowEstimate: () => false,
        decide: () => ALLOW,
        startAction: () => ({ seq: ++seq }),
        recordAction: () => {},
        closeSession: async () => {},
      }
      const handle = {
        id: 's1',
        protocol: 'postgres',
        resource: { id: 'bench-db' },
        grant: { id: 'g1', groups: ['agents'], principalId: 'p1' },
        countResult: () => undefined,
      }
      const session = new RelaySession({
        core,
        handle,
        client: client as unknown as Duplex,
        upstream: upstream as unknown as Duplex,
        logger,
        maxMessageBytes: 1024 * 1024,
        limits: {
          incompleteMessageTimeoutMs: 60_000,
          maxStatementBytes: 1024 * 1024,
          maxStatementsPerQuery: 100,
        },
        classifier: createClassifier(),
      })
      session.start(Buffer.alloc(0), Buffer.alloc(0))
      if (mode === 'prepared') {
        client.emit('data', prepareChunks[0])
        upstream.emit('data', prepareChunks[1])
      }
      // pgbench -S at scale 1: aid from 1 to 100,000. Simple mode sends a new text per transaction (a cycle of
      // a few texts would hit the session's allow cache, which random aids over 100,000 rows almost never do).
      const count = mode === 'simple' ? SIMPLE_TEXTS : 1024
      const chunks = Array.from({ length: count }, (_, i) => clientChunk[mode](1 + ((i * 7919) % 100_000)))
      const answer = serverChunk[mode]
      let next = 0
      return (n: number) => {
        const up = upstream.writes
        const down = client.writes
        for (let i = 0; i < n; i++) {
          client.emit('data', chunks[next++ % count]!)
          upstream.emit('data', answer)
        }
        if (upstream.writes - up !== n || client.writes - down !== n)
          throw new Error(`${name} ${mode}: the session did not relay each transaction in one write each way`)
      }
    },
  }
}

const trees = [await loadTree('this tree', resolve(import.meta.dirname, '..'))]
if (values.baseline) trees.push(await loadTree(`baseline ${values.baseline}`, values.baseline))
const n = Number(values.transactions)
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
process.stdout.write(`${new Date().toISOString()}  ${process.version}  load ${loadAverage()}\n`)
for (const mode of modes) {
  const runs = new Map<Tree, (n: number) => void>()
  for (const tree of trees) {
    const run = await tree.session(mode)
    run(n) // a round to warm up the JIT (and, in simple mode, to fill the classifier's cache)
    runs.set(tree, run)
  }
  const results = new Map<Tree, number[]>(trees.map((t) => [t, []]))
  for (let round = 0; round < Number(values.rounds); round++) {
    // Alternating which tree goes first, so neither always runs after the other's garbage.
    const order = round % 2 === 0 ? trees : [...trees].reverse()
    for (const tree of order) {
      const before = process.cpuUsage()
      runs.get(tree)!(n)
      const used = process.cpuUsage(before)
      results.get(tree)!.push((used.user + used.system) / n)
    }
  }
  const medians = new Map<Tree, number>()
  for (const tree of trees) {
    const r = results.get(tree)!
    const sorted = [...r].sort((a, b) => a - b)
    medians.set(tree, sorted[Math.floor(sorted.length / 2)]!)
    process.stdout.write(
      `${mode.padEnd(8)} ${tree.name}: ${r.map((x) => x.toFixed(2)).join(' ')} µs CPU/tx; median ${medians.get(tree)!.toFixed(2)}, least ${sorted[0]!.toFixed(2)}\n`,
    )
  }
  if (trees.length === 2) {
    const [a, b] = trees.map((t) => medians.get(t)!) as [number, number]
    process.stdout.write(
      `${mode.padEnd(8)} this tree against the baseline: ${(((a - b) / b) * 100).toFixed(1)} %\n`,
    )
  }
}
process.stdout.write(`load after: ${loadAverage()}\n`)
