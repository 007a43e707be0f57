// Recording alone, as the data path drives it: core's real SessionRecording (recorder batches) over the real
// embedded store, 8 sessions' statements interleaved as sysbench's threads run them; each statement started
// (startAction's recording part) and completed with its outcome (recordAction), the recorder's batches
// written as the gateway writes them. Prints µs of this process's CPU per recorded statement: the hot path
// (start + outcome) and the store writes (flush) apart. CPU time of one thread: steady enough on a shared
// machine for a before/after of one change to the recorder or the embedded store's write path.
//   node bench/recording-micro.ts [--statements 100000] [--rounds 5]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pino from 'pino'
import type { ScopeEntry, SessionHandle } from '../src/core/index.ts'
import { SessionRecording } from '../src/core/recording/session-recording.ts'
import { openEmbeddedStore } from '../src/store/embedded/index.ts'

const { values } = parseArgs({
  options: {
    statements: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
  },
})
const dir = await mkdtemp(join(tmpdir(), 'tg-recmicro-'))
const store = await openEmbeddedStore({ dir, exclusive: true })
const recording = new SessionRecording({
  onFailure: 'block',
  writeActions: (batch) => store.sessions.appendActions(batch),
  audit: async () => undefined,
  now: () => new Date(),
  logger: pino({ level: 'silent' }),
  takeApproval: () => undefined,
})
// As a MySQL prepared point select is recorded: its frozen needs, its text with the parameters.
const needs: ScopeEntry[] = [Object.freeze({ verb: 'select', object: 'sbtest.sbtest1' })]
Object.freeze(needs)
const sessions = Array.from(
  { length: 8 },
  (_, i) =>
    ({ id: `${crypto.randomUUID()}`, grant: { principalId: `sa:bench-${i}` } }) as unknown as SessionHandle,
)
const n = Number(values.statements)
for (let round = 0; round < Number(values.rounds); round++) {
  let hot = 0
  const before = process.cpuUsage()
  // In steps of a batch's worth of statements, so the store writes as often as under load (maxBatch).
  const step = 400
  for (let done = 0; done < n; done += step) {
    const t = process.cpuUsage()
    for (let i = done; i < done + step; i++) {
      const session = sessions[i & 7]!
      const started = recording.start(
        session,
        {
          kind: 'Query',
          text: `SELECT c FROM sbtest1 WHERE id=? -- parameters: ${i}`,
          outcome: 'allow',
          needs,
        },
        false,
      )
      recording.record(
        session,
        {
          kind: 'Query',
          text: `SELECT c FROM sbtest1 WHERE id=? -- parameters: ${i}`,
          outcome: 'allow',
          rowCount: 1,
          durationMs: 0.2,
        },
        started.seq,
      )
    }
    const u = process.cpuUsage(t)
    hot += u.user + u.system
    await recording.flush()
  }
  const used = process.cpuUsage(before)
  const all = (used.user + used.system) / n
  console.log(
    `round ${round + 1}: ${all.toFixed(2)} µs/statement (hot path ${(hot / n).toFixed(2)}, store ${(all - hot / n).toFixed(2)})`,
  )
}
await store.close()
await rm(dir, { recursive: true, force: true })
