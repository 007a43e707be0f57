// Gateway CPU per unit of work on the PostgreSQL data path: µs of gateway CPU (utime + stime from /proc)
// per pgbench select-only transaction and per masked row read by psql. Far less noisy than tps on a
// loaded 2-core machine, where every µs the gateway spends is taken from the client and the server.
//   node bench/pg-cpu.ts [--seconds 10] [--rows 1000000] [--case all|pgbench|mask|nomask]
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { MASK_TWO_COLUMNS, MATCH_NOTHING, seedPeopleSql } from './masking-fixtures.ts'
import { PG, pgbench, psqlReadAll, requestGrant, run, startTaskgate } from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rows: { type: 'string', default: '1000000' },
    case: { type: 'string', default: 'all' },
  },
})
const database = `tg_bench_cpu_${process.pid}`
const admin = ['-h', PG.host, '-p', String(PG.port), '-U', PG.user]

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat fields 14 and 15. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function main() {
  await run('psql', [...admin, '-d', 'postgres', '-c', `create database ${database}`])
  const out: string[] = []
  try {
    const which = values.case
    if (which === 'all' || which === 'pgbench') {
      await run('pgbench', ['-i', '-q', '-s', '1', ...admin, database])
      const tg = await startTaskgate(database)
      try {
        const cred = await requestGrant(tg)
        const conn = { port: tg.pgPort, user: cred.user, password: cred.password, database }
        await pgbench(['-S', '-c', '8', '-j', '2', '-T', '2'], conn)
        for (const mode of ['simple', 'extended']) {
          const before = await cpuSeconds(tg.child.pid!)
          const { stdout } = await run(
            'pgbench',
            [
              '-h',
              '127.0.0.1',
              '-p',
              String(conn.port),
              '-U',
              conn.user,
              '-S',
              '-M',
              mode,
              '-c',
              '8',
              '-j',
              '2',
              '-T',
              values.seconds!,
              database,
            ],
            { env: { ...process.env, PGPASSWORD: conn.password, PGSSLMODE: 'disable' } },
          )
          const cpu = (await cpuSeconds(tg.child.pid!)) - before
          const tx = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1])
          const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1])
          out.push(
            `pgbench -S -M ${mode} -c 8: ${((cpu / tx) * 1e6).toFixed(1)} µs gateway CPU/tx (${tx} tx, ${tps.toFixed(0)} tps, cpu ${cpu.toFixed(2)} s)`,
          )
        }
      } finally {
        await tg.stop()
      }
    }
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
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
  process.stdout.write(`\n${new Date().toISOString()}  load ${load}\n${out.join('\n')}\n`)
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
