// PostgreSQL data-path benchmark: direct vs PgBouncer (session pooling) vs a no-op Node.js relay (the
// platform's floor, node-relay.ts) vs taskgate (policy + recording on), all against the same server in one
// run. Prints ratios and each intermediary's CPU time per transaction; see README "Performance".
//   node bench/pg-throughput.ts [--seconds 15] [--scale 10] [--idle 1000] [--workers N|auto]
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import pg from 'pg'
import {
  cpuMs,
  createBenchDatabase,
  initPgbench,
  PG,
  pgbench,
  psqlReadAll,
  requestGrant,
  startBenchPostgres,
  startNodeRelay,
  startPgBouncer,
  startTaskgate,
} from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    scale: { type: 'string', default: '10' },
    idle: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1' },
  },
})
const seconds = values.seconds
const database = `tg_bench_${process.pid}`

async function main() {
  const server = await startBenchPostgres()
  try {
    await measure()
  } finally {
    await server.stop()
  }
}

async function measure() {
  const cleanup: Array<() => Promise<void>> = [await createBenchDatabase(database)]
  try {
    await initPgbench(database, values.scale!)
    const bouncer = await startPgBouncer(database)
    cleanup.unshift(() => bouncer.stop())
    const relay = await startNodeRelay(PG.port)
    cleanup.unshift(() => relay.stop())
    const tg = await startTaskgate(database, `workers: ${values.workers}`)
    cleanup.unshift(() => tg.stop())
    const cred = await requestGrant(tg)
    const direct = { port: PG.port, user: PG.user, database }
    const viaBouncer = { port: bouncer.port, user: PG.user, database }
    const viaRelay = { port: relay.port, user: PG.user, database }
    const viaTaskgate = { port: tg.pgPort, user: cred.user, password: cred.password, database }
    /** pgbench through an intermediary, with the CPU time that intermediary spent per transaction. */
    const measured = async (
      args: string[],
      conn: typeof viaTaskgate | typeof direct,
      cpu: () => Promise<number>,
    ) => {
      const before = await cpu()
      const result = await pgbench(args, conn)
      const usPerTxn = (((await cpu()) - before) * 1000) / (result.tps * Number(seconds))
      return { ...result, usPerTxn }
    }

    const rows: string[][] = [
      ['case', 'direct', 'pgbouncer', 'node relay', 'taskgate', 'taskgate/direct', 'taskgate/pgbouncer'],
    ]
    const cpuRows: string[][] = [
      ['CPU per transaction', 'pgbouncer', 'node relay', 'taskgate', 'taskgate/relay (issue 12: ≤ 1.20)'],
    ]
    const cases: Array<[string, string[]]> = [
      ['select-only, 8 clients, simple', ['-S', '-c', '8', '-j', '2', '-T', seconds!]],
      ['select-only, 8 clients, extended', ['-S', '-M', 'extended', '-c', '8', '-j', '2', '-T', seconds!]],
      ['select-only, 8 clients, prepared', ['-S', '-M', 'prepared', '-c', '8', '-j', '2', '-T', seconds!]],
    ]
    for (const [name, args] of cases) {
      const d = await pgbench(args, direct)
      const b = await measured(args, viaBouncer, () => cpuMs(bouncer.pid))
      const r = await measured(args, viaRelay, () => cpuMs(relay.pid))
      const t = await measured(args, viaTaskgate, () => tg.cpuMs())
      rows.push([
        name,
        `${d.tps.toFixed(0)} tps`,
        `${b.tps.toFixed(0)} tps`,
        `${r.tps.toFixed(0)} tps`,
        `${t.tps.toFixed(0)} tps`,
        (t.tps / d.tps).toFixed(2),
        (t.tps / b.tps).toFixed(2),
      ])
      const ratio = t.usPerTxn / r.usPerTxn
      cpuRows.push([
        name,
        ...[b, r, t].map((x) => `${x.usPerTxn.toFixed(1)} µs`),
        `${ratio.toFixed(2)} ${ratio <= 1.2 ? 'PASS' : 'FAIL'}`,
      ])
    }
    const one = ['-S', '-c', '1', '-T', seconds!]
    const d1 = await pgbench(one, direct, { latencies: true })
    const b1 = await pgbench(one, viaBouncer, { latencies: true })
    const r1 = await pgbench(one, viaRelay, { latencies: true })
    const t1 = await pgbench(one, viaTaskgate, { latencies: true })
    const us = (ms: number | undefined) => ((ms ?? Number.NaN) * 1000).toFixed(0)
    rows.push([
      '1 client latency (p50)',
      `${us(d1.p50Ms)} µs`,
      `${us(b1.p50Ms)} µs`,
      `${us(r1.p50Ms)} µs`,
      `${us(t1.p50Ms)} µs`,
      `+${us((t1.p50Ms ?? Number.NaN) - (d1.p50Ms ?? Number.NaN))} µs`,
      `${us((t1.p50Ms ?? Number.NaN) - (b1.p50Ms ?? Number.NaN))} µs`,
    ])
    const addedP50 = ((t1.p50Ms ?? Number.NaN) - (d1.p50Ms ?? Number.NaN)) * 1000
    const latencyTarget = `1 client added p50 (issue 12: ≤ 40 µs): +${addedP50.toFixed(0)} µs ${addedP50 <= 40 ? 'PASS' : 'FAIL'}`
    rows.push([
      '1 client latency (avg)',
      `${(d1.latencyMs * 1000).toFixed(0)} µs`,
      `${(b1.latencyMs * 1000).toFixed(0)} µs`,
      `${(r1.latencyMs * 1000).toFixed(0)} µs`,
      `${(t1.latencyMs * 1000).toFixed(0)} µs`,
      `+${((t1.latencyMs - d1.latencyMs) * 1000).toFixed(0)} µs`,
      `${((t1.latencyMs - b1.latencyMs) * 1000).toFixed(0)} µs`,
    ])

    const rowsRead = Number(values.scale) * 100_000
    const rd = await psqlReadAll(
      { port: PG.port, user: PG.user, password: '', database },
      'select * from pgbench_accounts',
    )
    const rb = await psqlReadAll(
      { port: bouncer.port, user: PG.user, password: '', database },
      'select * from pgbench_accounts',
    )
    const rt = await psqlReadAll(
      { port: tg.pgPort, user: cred.user, password: cred.password, database },
      'select * from pgbench_accounts',
    )
    rows.push([
      `${rowsRead.toLocaleString('en')}-row SELECT read by psql`,
      `${rd.toFixed(0)} ms`,
      `${rb.toFixed(0)} ms`,
      '',
      `${rt.toFixed(0)} ms`,
      (rd / rt).toFixed(2),
      (rb / rt).toFixed(2),
    ])

    // Idle sessions on a fresh gateway: after the load above, the first one's V8 heap still holds tens of
    // MB of garbage that the next major GC returns, which would hide what the sessions themselves cost.
    const afterLoad = await tg.rssKb()
    const fresh = await startTaskgate(database, `workers: ${values.workers}`)
    cleanup.unshift(() => fresh.stop())
    const freshCred = await requestGrant(fresh)
    const idle = Number(values.idle)
    const before = await fresh.rssKb()
    const clients: pg.Client[] = []
    for (let i = 0; i < idle; i++) {
      const c = new pg.Client({
        host: '127.0.0.1',
        port: fresh.pgPort,
        user: freshCred.user,
        password: freshCred.password,
        database,
        ssl: false,
      })
      c.on('error', () => {})
      clients.push(c)
      await c.connect()
    }
    await new Promise((r) => setTimeout(r, 1000))
    const withIdle = await fresh.rssKb()
    await Promise.all(clients.map((c) => c.end()))
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`
    rows.push([
      `${idle} idle sessions: gateway RSS`,
      '',
      '',
      '',
      mb(withIdle),
      `idle before: ${mb(before)}`,
      '',
    ])
    rows.push(['gateway RSS after the cases above', '', '', '', mb(afterLoad), '', ''])

    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
    process.stdout.write(
      `\n${new Date().toISOString()}  ${process.version}  pgbench scale ${values.scale}, ${seconds}s per case, taskgate workers: ${values.workers}\n`,
    )
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`)
    const cpuWidths = cpuRows[0]!.map((_, i) => Math.max(...cpuRows.map((r) => r[i]!.length)))
    process.stdout.write('\n')
    for (const r of cpuRows) process.stdout.write(`${r.map((c, i) => c.padEnd(cpuWidths[i]!)).join('  ')}\n`)
    const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
    process.stdout.write(`${latencyTarget}\nload average at the end: ${load}\n`)
  } finally {
    for (const c of cleanup) await c().catch((e: unknown) => process.stderr.write(`cleanup: ${e}\n`))
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
