// Gateway CPU per unit of work on the PostgreSQL data path: µs of gateway CPU (utime + stime from /proc)
// per pgbench select-only transaction, against the no-op Node.js relay's (node-relay.ts) in the same run,
// and per masked row read by psql. Far less noisy than tps on a loaded 2-core machine, where every µs the
// gateway spends is taken from the client and the server. Prints issue 12's targets with pass/fail:
// gateway CPU per transaction ≤ 1.2 × the relay's, 1-client added p50 ≤ 40 µs over direct. PgBouncer (the
// field's usual intermediary: C, session pooling, message headers only), when Debian's package is installed,
// runs in the same rounds: its CPU per transaction and its 1-client added p50 show what a hop costs here.
// `--baseline DIR` also runs the taskgate of another checkout (e.g. `git archive main`) in the same rounds:
// an A/B of two versions under the same load. Each mode is run for 3 s through each gateway before its rounds,
// and taskgate's line says how much of its CPU per transaction its V8 worker threads took: a process still
// compiling its hot code (TurboFan, and the classifier's WebAssembly tier-up) spends tens of µs per transaction
// there for seconds after it starts, which is warm-up, not the data path.
//   node bench/pg-cpu.ts [--seconds 10] [--rounds 2] [--rows 1000000] [--case all|pgbench|mask|nomask]
//                        [--baseline DIR]

import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { MASK_TWO_COLUMNS, MATCH_NOTHING, seedPeopleSql } from './masking-fixtures.ts'
import {
  PG,
  type PgBouncer,
  pgbench,
  psqlReadAll,
  requestGrant,
  run,
  startNodeRelay,
  startPgBouncer,
  startTaskgate,
} from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    rows: { type: 'string', default: '1000000' },
    case: { type: 'string', default: 'all' },
    baseline: { type: 'string' },
  },
})
const database = `tg_bench_cpu_${process.pid}`
const admin = ['-h', PG.host, '-p', String(PG.port), '-U', PG.user]

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat fields 14 and 15. */
async function cpuSeconds(pid: number): Promise<number> {
  return ticks(await readFile(`/proc/${pid}/stat`, 'utf8')) / 100
}

const ticks = (stat: string): number => {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/** CPU seconds of a process's V8 worker threads (concurrent JIT compilation, GC helpers): a gateway that has
 * not finished compiling its hot code spends tens of µs per transaction there, which is warm-up, not the
 * data path. */
async function v8WorkerSeconds(pid: number): Promise<number> {
  let total = 0
  for (const task of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const stat = await readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').catch(() => '')
    if (stat.includes('(V8Worker)')) total += ticks(stat)
  }
  return total / 100
}

const loadAverage = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')

/** Transactions pgbench reports it ran, and the CPU seconds `pid` spent meanwhile. */
async function cpuPerTransaction(
  pids: () => number[],
  conn: { port: number; user: string; password?: string },
  args: string[],
): Promise<{ us: number; tps: number; v8WorkerUs: number }> {
  const cpu = async () => {
    let total = 0
    for (const pid of pids()) total += await cpuSeconds(pid)
    return total
  }
  const workers = async () => {
    let total = 0
    for (const pid of pids()) total += await v8WorkerSeconds(pid)
    return total
  }
  const before = await cpu()
  const workersBefore = await workers()
  const { stdout } = await run(
    'pgbench',
    ['-h', '127.0.0.1', '-p', String(conn.port), '-U', conn.user, ...args, '-T', values.seconds!, database],
    { env: { ...process.env, PGPASSWORD: conn.password ?? '', PGSSLMODE: 'disable' } },
  )
  const used = (await cpu()) - before
  const workersUsed = (await workers()) - workersBefore
  const tx = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1])
  return {
    us: (used / tx) * 1e6,
    tps: Number(/tps = ([\d.]+)/.exec(stdout)?.[1]),
    v8WorkerUs: (workersUsed / tx) * 1e6,
  }
}

/** pgbench select-only through the no-op relay and through taskgate, alternating for `--rounds` rounds
 * (the lowest CPU per transaction of each: the run least disturbed by the machine's other users), then
 * the 1-client p50 of direct, relay and taskgate. */
async function pgbenchTargets(): Promise<string[]> {
  const out: string[] = []
  await run('pgbench', ['-i', '-q', '-s', '1', ...admin, database])
  const relay = await startNodeRelay(PG.port)
  const started: Array<{ stop(): Promise<void> }> = [relay]
  try {
    const bouncer: PgBouncer | undefined = existsSync('/usr/sbin/pgbouncer')
      ? await startPgBouncer(database)
      : undefined
    if (bouncer) started.push(bouncer)
    else out.push('PgBouncer: not installed (apt-get install pgbouncer): its columns are skipped')
    const viaBouncer = bouncer && { port: bouncer.port, user: PG.user }
    const tg = await startTaskgate(database)
    started.push(tg)
    const base =
      values.baseline === undefined ? undefined : await startTaskgate(database, '', values.baseline)
    if (base) started.push(base)
    const cred = await requestGrant(tg)
    const viaTaskgate = { port: tg.pgPort, user: cred.user, password: cred.password }
    const baseCred = base && (await requestGrant(base))
    const viaBase = base &&
      baseCred && { port: base.pgPort, user: baseCred.user, password: baseCred.password }
    const viaRelay = { port: relay.port, user: PG.user }
    const direct = { port: PG.port, user: PG.user }
    await pgbench(['-S', '-c', '8', '-j', '2', '-T', '2'], { ...viaTaskgate, database })
    if (viaBase) await pgbench(['-S', '-c', '8', '-j', '2', '-T', '2'], { ...viaBase, database })
    out.push(`load before: ${await loadAverage()}`)
    const rounds = Number(values.rounds)
    const none = () => ({ us: Number.POSITIVE_INFINITY, tps: 0, v8WorkerUs: 0 })
    for (const mode of ['simple', 'extended', 'prepared']) {
      const args = ['-S', '-M', mode, '-c', '8', '-j', '2']
      // Each mode runs code the others do not (the classifier in simple mode, Bind/Execute paths in the
      // others): warm both gateways in it first, so a round does not count the JIT compiling it.
      await pgbench([...args, '-T', '3'], { ...viaTaskgate, database })
      if (viaBase) await pgbench([...args, '-T', '3'], { ...viaBase, database })
      let r = none()
      let t = none()
      let b = none()
      let p = none()
      for (let i = 0; i < rounds; i++) {
        const ri = await cpuPerTransaction(() => [relay.pid], viaRelay, args)
        if (ri.us < r.us) r = ri
        if (bouncer && viaBouncer) {
          const pi = await cpuPerTransaction(() => [bouncer.pid], viaBouncer, args)
          if (pi.us < p.us) p = pi
        }
        // The two gateways in turns, the first alternating, so neither always follows the relay.
        const order = base && viaBase && i % 2 === 1 ? ['base', 'tg'] : ['tg', 'base']
        for (const which of order) {
          if (which === 'tg') {
            const ti = await cpuPerTransaction(() => [tg.child.pid!], viaTaskgate, args)
            if (ti.us < t.us) t = ti
          } else if (base && viaBase) {
            const bi = await cpuPerTransaction(() => [base.child.pid!], viaBase, args)
            if (bi.us < b.us) b = bi
          }
        }
      }
      const ratio = t.us / r.us
      out.push(
        `pgbench -S -M ${mode} -c 8: taskgate ${t.us.toFixed(1)} µs CPU/tx (${t.tps.toFixed(0)} tps; V8 workers ${t.v8WorkerUs.toFixed(1)}), node relay ${r.us.toFixed(1)} µs (${r.tps.toFixed(0)} tps): ${ratio.toFixed(2)} × — target ≤ 1.20 × ${ratio <= 1.2 ? 'PASS' : 'FAIL'}`,
      )
      if (bouncer)
        out.push(
          `  PgBouncer ${p.us.toFixed(1)} µs CPU/tx (${p.tps.toFixed(0)} tps): ${(p.us / r.us).toFixed(2)} × the relay's`,
        )
      if (base)
        out.push(
          `  baseline ${values.baseline}: ${b.us.toFixed(1)} µs CPU/tx (${b.tps.toFixed(0)} tps; V8 workers ${b.v8WorkerUs.toFixed(1)}): ${(b.us / r.us).toFixed(2)} ×; this tree ${(((t.us - b.us) / b.us) * 100).toFixed(1)} % against it`,
        )
    }
    const one = ['-S', '-c', '1', '-T', values.seconds!]
    const d1 = await pgbench(one, { ...direct, database }, { latencies: true })
    const r1 = await pgbench(one, { ...viaRelay, database }, { latencies: true })
    const t1 = await pgbench(one, { ...viaTaskgate, database }, { latencies: true })
    const b1 = viaBase && (await pgbench(one, { ...viaBase, database }, { latencies: true }))
    const p1 = viaBouncer && (await pgbench(one, { ...viaBouncer, database }, { latencies: true }))
    const p50 = (x: { p50Ms?: number }) => (x.p50Ms ?? Number.NaN) * 1000
    const added = p50(t1) - p50(d1)
    const relayAdded = p50(r1) - p50(d1)
    out.push(
      `1 client p50: direct ${p50(d1).toFixed(0)} µs, node relay +${relayAdded.toFixed(0)} µs, taskgate +${added.toFixed(0)} µs — target ≤ 40 µs ${added <= 40 ? 'PASS' : 'FAIL'} (wall clock: re-measure on an idle machine)${p1 ? `; PgBouncer +${(p50(p1) - p50(d1)).toFixed(0)} µs` : ''}${b1 ? `; baseline +${(p50(b1) - p50(d1)).toFixed(0)} µs` : ''}`,
    )
    out.push(`load after: ${await loadAverage()}`)
  } finally {
    for (const process of started.reverse()) await process.stop()
  }
  return out
}

async function main() {
  await run('psql', [...admin, '-d', 'postgres', '-c', `create database ${database}`])
  const out: string[] = []
  try {
    const which = values.case
    if (which === 'all' || which === 'pgbench') out.push(...(await pgbenchTargets()))
    if (which === 'all' || which === 'mask' || which === 'nomask') {
      const rows = Number(values.rows)
      const seed = seedPeopleSql(rows)
      await run('psql', [...admin, '-d', database, '-c', seed])
      await run('psql', [...admin, '-d', database, '-c', 'vacuum analyze people'])
      const cases: Array<[string, string]> = []
      if (which !== 'nomask') cases.push(['2 columns masked by name', MASK_TWO_COLUMNS])
      if (which !== 'mask') cases.push(['rules match no column', MATCH_NOTHING])
      for (const [name, yaml] of cases) {
        const tg = await startTaskgate(database, yaml)
        try {
          const cred = await requestGrant(tg)
          let best = Number.POSITIVE_INFINITY
          let bestMs = 0
          for (let i = 0; i < 3; i++) {
            const before = await cpuSeconds(tg.child.pid!)
            const t = process.hrtime.bigint()
            await psqlReadAll(
              { port: tg.pgPort, user: cred.user, password: cred.password, database },
              'select * from people',
            )
            const ms = Number(process.hrtime.bigint() - t) / 1e6
            const cpu = (await cpuSeconds(tg.child.pid!)) - before
            if (cpu < best) {
              best = cpu
              bestMs = ms
            }
          }
          out.push(
            `${rows}-row read, ${name}: ${((best / rows) * 1e9).toFixed(0)} ns gateway CPU/row (cpu ${best.toFixed(2)} s, wall ${bestMs.toFixed(0)} ms), best of 3`,
          )
        } finally {
          await tg.stop()
        }
      }
    }
  } finally {
    await run('psql', [...admin, '-d', 'postgres', '-c', `drop database if exists ${database} with (force)`])
  }
  process.stdout.write(
    `\n${new Date().toISOString()}  ${process.version}  load ${await loadAverage()}\n${out.join('\n')}\n`,
  )
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
