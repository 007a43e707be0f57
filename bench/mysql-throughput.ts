// The MySQL data path, three ways in one run against the machine's MariaDB: direct, through a no-op Node
// relay (bench/node-relay.ts: the platform's floor) and through taskgate (a mysql resource, a read grant).
//   - CPU per transaction: sysbench oltp_read_only (prepared statements, 14 statements a transaction), 8
//     threads; µs of relay or gateway CPU (utime + stime from /proc) per transaction. Target: taskgate
//     ≤ 1.3× the relay.
//   - Added latency, 1 client: sysbench oltp_point_select (one statement a transaction), p50 through each
//     path minus direct. Target: ≤ 60 µs.
//   - A 1,000,000-row read: `mariadb -e 'SELECT * FROM big' > /dev/null`, rows/s through each path. Target:
//     taskgate ≥ 0.85× direct.
//   node bench/mysql-throughput.ts [--seconds 10] [--rows 1000000] [--case all|cpu|latency|read]
//     [--rounds 1] [--baseline DIR]
// Ratios are paired: each round's taskgate against the same round's relay (CPU) or direct read (rows/s),
// the verdict on their median, every round's ratio printed (a relay's CPU swings from run to run).
// `--baseline DIR` also runs the taskgate of another checkout (e.g. `git archive main`, node_modules linked)
// as a fourth path in the same rounds, so a change is measured against its base under the same load;
// `--rounds N` repeats the CPU case N times, the paths in turn, and reports each path's median.
// Ends with issue 12's three targets, each with its ratio and PASS/FAIL, and the load average around the
// run (the CPU ratio holds up on a shared machine; the latency and read figures are wall clock).
// Needs sysbench (Debian package) and the mariadb client. TASKGATE_BENCH_NODE_ARGS="--cpu-prof
// --cpu-prof-dir=/tmp/prof" profiles the gateway.
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { sysbenchArgs as argsFor, type Path, startTaskgateMysql, userSystemMs } from './mysql-support.ts'
import { cpuMs, run, startNodeRelay } from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rows: { type: 'string', default: '1000000' },
    case: { type: 'string', default: 'all' },
    rounds: { type: 'string', default: '1' },
    baseline: { type: 'string' },
  },
})
const database = `tg_bench_my_${process.pid}`
const rootArgs = ['-h127.0.0.1', '-P3306', '-uroot']
const sysbenchArgs = (p: Path) => argsFor(p, database)

async function sysbench(test: string, p: Path, threads: number, seconds: string) {
  const { stdout } = await run(
    'sysbench',
    [test, ...sysbenchArgs(p), `--threads=${threads}`, `--time=${seconds}`, '--percentile=50', 'run'],
    { maxBuffer: 16 * 1024 * 1024 },
  )
  const transactions = Number(/transactions:\s+(\d+)/.exec(stdout)?.[1])
  const p50 = Number(/50th percentile:\s+([\d.]+)/.exec(stdout)?.[1])
  if (!transactions) throw new Error(`sysbench ${test} through ${p.name}: ${stdout}`)
  return { transactions, p50Ms: p50, tps: transactions / Number(seconds) }
}

/** Gateway or relay CPU per transaction over the steady middle of a run: CPU read when sysbench reports
 * its 2nd second and its next-to-last, transactions summed from the per-second reports in between (what
 * happens before and after, connecting and closing sessions, is left out). */
async function cpuPerTransaction(test: string, p: Path, threads: number, seconds: number) {
  const child = spawn('sysbench', [
    test,
    ...sysbenchArgs(p),
    `--threads=${threads}`,
    `--time=${seconds}`,
    '--report-interval=1',
    'run',
  ])
  let cpu0 = 0
  let cpu1 = 0
  const split0 = { user: 0, system: 0 }
  const split1 = { user: 0, system: 0 }
  const readSplit = async (into: { user: number; system: number }) => {
    if (p.pid !== undefined) Object.assign(into, await userSystemMs(p.pid))
  }
  let transactions = 0
  let buffered = ''
  const lines: Promise<void>[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const all = buffered.split('\n')
    buffered = all.pop() ?? ''
    for (const line of all) {
      const m = /^\[ (\d+)s \].* tps: ([\d.]+)/.exec(line)
      if (!m) continue
      const second = Number(m[1])
      if (second >= 3 && second <= seconds - 1) transactions += Number(m[2])
      if (second === 2)
        lines.push(
          p.cpuMs!().then((v) => {
            cpu0 = v
          }),
          readSplit(split0),
        )
      if (second === seconds - 1)
        lines.push(
          p.cpuMs!().then((v) => {
            cpu1 = v
          }),
          readSplit(split1),
        )
    }
  })
  await new Promise((resolve) => child.once('exit', resolve))
  await Promise.all(lines)
  return {
    usPerTx: ((cpu1 - cpu0) * 1000) / transactions,
    userUsPerTx: ((split1.user - split0.user) * 1000) / transactions,
    systemUsPerTx: ((split1.system - split0.system) * 1000) / transactions,
    tps: transactions / (seconds - 3),
  }
}

/** One read of the whole table: rows/s (wall clock) and the relay's or gateway's CPU ms for it. */
async function readAll(p: Path): Promise<{ rate: number; cpuMs: number | undefined }> {
  const cpu0 = await p.cpuMs?.()
  const started = performance.now()
  const { stdout } = await run(
    'sh',
    [
      '-c',
      `mariadb -h127.0.0.1 -P${p.port} -u"$U" --skip-ssl --quick --batch --skip-column-names -D${database} -e 'SELECT * FROM big' | wc -l`,
    ],
    { env: { PATH: process.env.PATH, U: p.user, MYSQL_PWD: p.password }, maxBuffer: 1024 * 1024 },
  )
  const seconds = (performance.now() - started) / 1000
  const cpu1 = await p.cpuMs?.()
  return {
    rate: Number(stdout.trim()) / seconds,
    cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0,
  }
}

async function main() {
  await run('mariadb', [...rootArgs, '-e', `CREATE DATABASE ${database}`])
  const direct: Path = { name: 'direct', port: 3306, user: 'root', password: '' }
  const relay = await startNodeRelay(3306)
  const tg = await startTaskgateMysql(database).catch(async (error: unknown) => {
    await relay.stop()
    await run('mariadb', [...rootArgs, '-e', `DROP DATABASE IF EXISTS ${database}`])
    throw error
  })
  const base =
    values.baseline === undefined
      ? undefined
      : await startTaskgateMysql(database, values.baseline, 'baseline').catch(async (error: unknown) => {
          await tg.stop()
          await relay.stop()
          await run('mariadb', [...rootArgs, '-e', `DROP DATABASE IF EXISTS ${database}`])
          throw error
        })
  const paths: Path[] = [
    direct,
    {
      name: 'node relay',
      port: relay.port,
      user: 'root',
      password: '',
      cpuMs: () => cpuMs(relay.pid),
      pid: relay.pid,
    },
    tg.path,
    ...(base ? [base.path] : []),
  ]
  const out: string[] = []
  const targets: string[] = []
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL')
  const load = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
  const loadBefore = await load()
  try {
    await run('sysbench', ['oltp_read_only', ...sysbenchArgs(direct), 'prepare'])
    const which = values.case
    if (which === 'all' || which === 'cpu') {
      for (const p of paths) await sysbench('oltp_read_only', p, 8, '2') // warm up
      const rounds = Math.max(1, Number(values.rounds))
      const perTx = new Map<string, number[]>()
      const lines = new Map<string, string[]>()
      for (let round = 0; round < rounds; round++)
        for (const p of paths) {
          if (!p.cpuMs) {
            if (round > 0) continue
            const r = await sysbench('oltp_read_only', p, 8, values.seconds!)
            out.push(`oltp_read_only 8 threads  ${p.name.padEnd(10)} ${r.tps.toFixed(0)} tps`)
            continue
          }
          const r = await cpuPerTransaction('oltp_read_only', p, 8, Math.max(6, Number(values.seconds)))
          perTx.set(p.name, [...(perTx.get(p.name) ?? []), r.usPerTx])
          lines.set(p.name, [
            ...(lines.get(p.name) ?? []),
            `oltp_read_only 8 threads  ${p.name.padEnd(10)} ${r.tps.toFixed(0)} tps ${r.usPerTx.toFixed(0)} µs CPU/tx (user ${r.userUsPerTx.toFixed(0)}, system ${r.systemUsPerTx.toFixed(0)})`,
          ])
        }
      for (const l of lines.values()) out.push(...l)
      const median = (name: string) => {
        const all = [...(perTx.get(name) ?? [])].sort((a, b) => a - b)
        return all[Math.floor(all.length / 2)]!
      }
      const relayUs = median('node relay')
      // Paired: each round's taskgate against the same round's relay (and baseline), so a load swing
      // between rounds moves both sides of a ratio; the verdict is on the median paired ratio.
      const paired = (a: string, b: string) =>
        (perTx.get(a) ?? []).map((us, round) => us / (perTx.get(b)?.[round] ?? Number.NaN))
      const spread = (ratios: number[]) => {
        const sorted = [...ratios].sort((x, y) => x - y)
        return {
          median: sorted[Math.floor(sorted.length / 2)]!,
          text: `${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}× (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
        }
      }
      const ratio = spread(paired('taskgate', 'node relay'))
      targets.push(
        `CPU per oltp_read_only transaction (median of ${rounds}): taskgate ${median('taskgate').toFixed(0)} µs, node relay ${relayUs.toFixed(0)} µs; paired taskgate/relay ${ratio.text} — target ≤ 1.30× ${verdict(ratio.median <= 1.3)}${base ? `; baseline ${median('baseline').toFixed(0)} µs, paired baseline/relay ${spread(paired('baseline', 'node relay')).text}, paired taskgate/baseline ${spread(paired('taskgate', 'baseline')).text}` : ''}`,
      )
    }
    if (which === 'all' || which === 'latency') {
      const p50: number[] = []
      for (const p of paths) {
        await sysbench('oltp_point_select', p, 1, '2')
        p50.push((await sysbench('oltp_point_select', p, 1, values.seconds!)).p50Ms)
      }
      for (const [i, p] of paths.entries()) {
        const added = ((p50[i]! - p50[0]!) * 1000).toFixed(0)
        out.push(
          `point select 1 thread  ${p.name.padEnd(10)} p50 ${p50[i]!.toFixed(3)} ms (added ${added} µs)`,
        )
      }
      // sysbench reports percentiles in steps of its histogram (about 1% apart): a few µs either way.
      const added = Math.round((p50[2]! - p50[0]!) * 1000)
      const baseAdded = base ? `; baseline +${((p50[3]! - p50[0]!) * 1000).toFixed(0)} µs` : ''
      targets.push(
        `1-client added p50 (oltp_point_select): taskgate +${added.toFixed(0)} µs (node relay +${((p50[1]! - p50[0]!) * 1000).toFixed(0)} µs${baseAdded}) — target ≤ 60 µs ${verdict(added <= 60)}`,
      )
    }
    if (which === 'all' || which === 'read') {
      await run('mariadb', [
        ...rootArgs,
        '-D',
        database,
        '-e',
        `CREATE TABLE big (id INT PRIMARY KEY, a INT, b VARCHAR(40)) SELECT seq AS id, seq % 997 AS a, CONCAT('row-', seq) AS b FROM seq_1_to_${values.rows}`,
      ])
      // Reads a path after a warm-up (three, or --rounds when more), the paths in turn (a load swing then
      // touches each): the best rate and the least CPU (the wall clock on a shared machine only gets
      // worse), and each round's rate against the same round's direct read (paired), whose median decides.
      const rate = paths.map(() => 0)
      const rates: number[][] = paths.map(() => [])
      const cpu: (number | undefined)[] = paths.map(() => undefined)
      for (const p of paths) await readAll(p)
      for (let round = 0; round < Math.max(3, Number(values.rounds)); round++)
        for (const [i, p] of paths.entries()) {
          const r = await readAll(p)
          rate[i] = Math.max(rate[i]!, r.rate)
          rates[i]!.push(r.rate)
          if (r.cpuMs !== undefined) cpu[i] = Math.min(cpu[i] ?? Number.POSITIVE_INFINITY, r.cpuMs)
        }
      const pairedRead = (i: number) => {
        const ratios = rates[i]!.map((r, round) => r / rates[0]![round]!)
        const sorted = [...ratios].sort((x, y) => x - y)
        const median = sorted[Math.floor(sorted.length / 2)]!
        return {
          median,
          text: `${median.toFixed(2)}× (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
        }
      }
      for (const [i, p] of paths.entries())
        out.push(
          `${values.rows} rows read  ${p.name.padEnd(10)} ${rate[i]!.toFixed(0)} rows/s${cpu[i] === undefined ? '' : `, ${cpu[i]!.toFixed(0)} ms CPU`}`,
        )
      const ratio = pairedRead(2)
      targets.push(
        `${values.rows}-row read: best taskgate ${rate[2]!.toFixed(0)} rows/s, direct ${rate[0]!.toFixed(0)} rows/s (${(rate[2]! / rate[0]!).toFixed(2)}×); paired taskgate/direct ${ratio.text}, node relay ${pairedRead(1).text}${base ? `, baseline ${pairedRead(3).text}` : ''} — target ≥ 0.85× ${verdict(ratio.median >= 0.85)}`,
      )
    }
  } finally {
    await tg.stop()
    await base?.stop()
    await relay.stop()
    await run('mariadb', [...rootArgs, '-e', `DROP DATABASE IF EXISTS ${database}`])
  }
  console.log(out.join('\n'))
  console.log(`\nissue 12 targets (load average ${loadBefore} before, ${await load()} after):`)
  console.log(targets.join('\n'))
}

await main()
