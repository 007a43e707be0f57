// New connections per second: direct vs a no-op Node.js relay (node-relay.ts) vs taskgate, in one run
// against one throwaway PostgreSQL, with `pgbench -C` (a new connection for every transaction; each
// transaction is one `SELECT 1`). The gateway's cost here is the client login (SCRAM with the grant
// credential, the session opened in its store) and the upstream login; see README "Performance".
// The three cases alternate for --rounds rounds and the median of each is reported, so a burst of load from
// elsewhere on the machine does not decide the ratio.
//   node bench/pg-connect-rate.ts [--seconds 5] [--rounds 3] [--clients 4] [--workers 1]
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  cpuMs,
  createBenchDatabase,
  PG,
  pgbench,
  requestGrant,
  startBenchPostgres,
  startNodeRelay,
  startTaskgate,
} from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: '4' },
    workers: { type: 'string', default: '1' },
  },
})
const database = `tg_bench_${process.pid}`

async function main() {
  const server = await startBenchPostgres()
  const cleanup: Array<() => Promise<void>> = [() => server.stop()]
  try {
    cleanup.unshift(await createBenchDatabase(database))
    const script = join(tmpdir(), `tg-connect-${process.pid}.sql`)
    await writeFile(script, 'SELECT 1;\n')
    const relay = await startNodeRelay(PG.port)
    cleanup.unshift(() => relay.stop())
    const tg = await startTaskgate(database, `workers: ${values.workers}`)
    cleanup.unshift(() => tg.stop())
    const cred = await requestGrant(tg)
    const args = ['-n', '-C', '-f', script, '-c', values.clients!, '-j', '1', '-T', values.seconds!]
    const seconds = Number(values.seconds)
    const cases = {
      direct: { conn: { port: PG.port, user: PG.user, database }, cpu: async () => 0 },
      relay: { conn: { port: relay.port, user: PG.user, database }, cpu: () => cpuMs(relay.pid) },
      taskgate: {
        conn: { port: tg.pgPort, user: cred.user, password: cred.password, database },
        cpu: () => tg.cpuMs(),
      },
    }
    const runs: Record<keyof typeof cases, Array<{ tps: number; cpuUs: number }>> = {
      direct: [],
      relay: [],
      taskgate: [],
    }
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [name, c] of Object.entries(cases) as Array<
        [keyof typeof cases, (typeof cases)['direct']]
      >) {
        const before = await c.cpu()
        const { tps } = await pgbench(args, c.conn)
        const cpuUs = (((await c.cpu()) - before) * 1000) / (tps * seconds)
        runs[name].push({ tps, cpuUs })
        process.stderr.write(`round ${round + 1} ${name}: ${tps.toFixed(0)} connections/s\n`)
      }
    }
    const median = (name: keyof typeof cases) => {
      const sorted = [...runs[name]].sort((a, b) => a.tps - b.tps)
      return sorted[Math.floor(sorted.length / 2)]!
    }
    const direct = median('direct')
    const line = (name: string, m: { tps: number; cpuUs: number }, cpu: boolean) =>
      `${name.padEnd(12)} ${m.tps.toFixed(0).padStart(6)} connections/s  ${(m.tps / direct.tps).toFixed(2)} × direct` +
      (cpu ? `  ${m.cpuUs.toFixed(0)} µs CPU per connection` : '')
    console.log(
      [
        `${new Date().toISOString()}  ${process.version}  pgbench -C, ${values.clients} clients, SELECT 1 per connection, median of ${values.rounds} rounds of ${seconds}s, taskgate workers: ${values.workers}`,
        line('direct', direct, false),
        line('node relay', median('relay'), true),
        line('taskgate', median('taskgate'), true),
      ].join('\n'),
    )
  } finally {
    for (const step of cleanup) await step().catch(() => {})
  }
}

await main()
