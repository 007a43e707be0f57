// PostgreSQL data-path benchmark: direct vs PgBouncer (session pooling) vs taskgate (policy + recording on),
// all against the same server in one run. Prints ratios; see README "Performance" for the latest figures.
//   node bench/pg-throughput.ts [--seconds 15] [--scale 10] [--idle 1000] [--workers N|auto]
import { parseArgs } from 'node:util'
import pg from 'pg'
import {
  PG,
  pgbench,
  psqlReadAll,
  requestGrant,
  run,
  startBenchPostgres,
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
  await run('psql', [
    '-h',
    PG.host,
    '-p',
    String(PG.port),
    '-U',
    PG.user,
    '-d',
    'postgres',
    '-c',
    `create database ${database}`,
  ])
  const cleanup: Array<() => Promise<void>> = [
    async () =>
      void (await run('psql', [
        '-h',
        PG.host,
        '-U',
        PG.user,
        '-d',
        'postgres',
        '-c',
        `drop database if exists ${database} with (force)`,
      ])),
  ]
  try {
    process.stderr.write(`pgbench -i -s ${values.scale} ...\n`)
    await run('pgbench', [
      '-i',
      '-q',
      '-s',
      values.scale!,
      '-h',
      PG.host,
      '-p',
      String(PG.port),
      '-U',
      PG.user,
      database,
    ])
    const bouncer = await startPgBouncer(database)
    cleanup.unshift(() => bouncer.stop())
    const tg = await startTaskgate(database, `workers: ${values.workers}`)
    cleanup.unshift(() => tg.stop())
    const cred = await requestGrant(tg)
    const direct = { port: PG.port, user: PG.user, database }
    const viaBouncer = { port: bouncer.port, user: PG.user, database }
    const viaTaskgate = { port: tg.pgPort, user: cred.user, password: cred.password, database }

    const rows: string[][] = [
      ['case', 'direct', 'pgbouncer', 'taskgate', 'taskgate/direct', 'taskgate/pgbouncer'],
    ]
    const cases: Array<[string, string[]]> = [
      ['select-only, 8 clients, simple', ['-S', '-c', '8', '-j', '2', '-T', seconds!]],
      ['select-only, 8 clients, extended', ['-S', '-M', 'extended', '-c', '8', '-j', '2', '-T', seconds!]],
      ['select-only, 8 clients, prepared', ['-S', '-M', 'prepared', '-c', '8', '-j', '2', '-T', seconds!]],
    ]
    for (const [name, args] of cases) {
      const d = await pgbench(args, direct)
      const b = await pgbench(args, viaBouncer)
      const t = await pgbench(args, viaTaskgate)
      rows.push([
        name,
        `${d.tps.toFixed(0)} tps`,
        `${b.tps.toFixed(0)} tps`,
        `${t.tps.toFixed(0)} tps`,
        (t.tps / d.tps).toFixed(2),
        (t.tps / b.tps).toFixed(2),
      ])
    }
    const one = ['-S', '-c', '1', '-T', seconds!]
    const d1 = await pgbench(one, direct, { latencies: true })
    const b1 = await pgbench(one, viaBouncer, { latencies: true })
    const t1 = await pgbench(one, viaTaskgate, { latencies: true })
    const us = (ms: number | undefined) => ((ms ?? Number.NaN) * 1000).toFixed(0)
    rows.push([
      '1 client latency (p50)',
      `${us(d1.p50Ms)} µs`,
      `${us(b1.p50Ms)} µs`,
      `${us(t1.p50Ms)} µs`,
      `+${us((t1.p50Ms ?? Number.NaN) - (d1.p50Ms ?? Number.NaN))} µs`,
      `${us((t1.p50Ms ?? Number.NaN) - (b1.p50Ms ?? Number.NaN))} µs`,
    ])
    rows.push([
      '1 client latency (avg)',
      `${(d1.latencyMs * 1000).toFixed(0)} µs`,
      `${(b1.latencyMs * 1000).toFixed(0)} µs`,
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
      `${rt.toFixed(0)} ms`,
      (rd / rt).toFixed(2),
      (rb / rt).toFixed(2),
    ])

    const idle = Number(values.idle)
    const before = await tg.rssKb()
    const clients: pg.Client[] = []
    for (let i = 0; i < idle; i++) {
      const c = new pg.Client({
        host: '127.0.0.1',
        port: tg.pgPort,
        user: cred.user,
        password: cred.password,
        database,
        ssl: false,
      })
      c.on('error', () => {})
      clients.push(c)
      await c.connect()
    }
    await new Promise((r) => setTimeout(r, 1000))
    const withIdle = await tg.rssKb()
    await Promise.all(clients.map((c) => c.end()))
    rows.push([
      `${idle} idle sessions: gateway RSS`,
      '',
      '',
      `${(withIdle / 1024).toFixed(0)} MB`,
      `idle before: ${(before / 1024).toFixed(0)} MB`,
      '',
    ])

    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
    process.stdout.write(
      `\n${new Date().toISOString()}  ${process.version}  pgbench scale ${values.scale}, ${seconds}s per case, taskgate workers: ${values.workers}\n`,
    )
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`)
  } finally {
    for (const c of cleanup) await c().catch((e: unknown) => process.stderr.write(`cleanup: ${e}\n`))
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
