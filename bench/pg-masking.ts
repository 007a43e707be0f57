// Masking throughput in the PostgreSQL data path: a 1,000,000-row SELECT read to the end by psql, direct vs
// taskgate masking two columns (email, card: every row changes; by detectors, and by column name), vs the
// README's `pii` rule (five detectors on every text column), vs taskgate with rules that match no column.
// All three in one run, best of N each; prints ratios to direct. See README "Masking" for the latest figures.
//   node bench/pg-masking.ts [--rows 1000000] [--repeat 3] [--case all|detect|pii|name|none]
// One case with TASKGATE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles that gateway alone.
import { parseArgs } from 'node:util'
import { MASK_TWO_COLUMNS, MATCH_NOTHING, seedPeopleSql } from './masking-fixtures.ts'
import { PG, psqlReadAll, requestGrant, run, startTaskgate } from './support.ts'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '3' },
    case: { type: 'string', default: 'all' },
  },
})
const database = `tg_bench_mask_${process.pid}`
const admin = ['-h', PG.host, '-p', String(PG.port), '-U', PG.user]

// Each column scanned by its own detector: only what the detector finds is masked (here, the whole value).
const DETECT_TWO_COLUMNS = `
masking:
  rules:
    - id: emails
      style: partial
      columns: [email]
      detectors: [email]
    - id: cards
      style: partial
      columns: [card]
      detectors: [card]
`

// The README's recommended rule: five detectors over every text column (email, card and city here).
const PII_EVERY_TEXT_COLUMN = `
masking:
  rules:
    - id: pii
      style: partial
      detectors: [card, email, phone, iban, ssn]
`

async function main() {
  await run('psql', [...admin, '-d', 'postgres', '-c', `create database ${database}`])
  const cleanup: Array<() => Promise<void>> = [
    async () =>
      void (await run('psql', [
        ...admin,
        '-d',
        'postgres',
        '-c',
        `drop database if exists ${database} with (force)`,
      ])),
  ]
  try {
    process.stderr.write(`seeding ${values.rows} rows ...\n`)
    const seed = seedPeopleSql(values.rows)
    await run('psql', [...admin, '-d', database, '-c', seed])
    await run('psql', [...admin, '-d', database, '-c', 'vacuum analyze people'])
    const cases = [
      ['detect', 'taskgate, 2 columns scanned by detectors (email, card)', DETECT_TWO_COLUMNS],
      ['pii', 'taskgate, 5 detectors on every text column (3)', PII_EVERY_TEXT_COLUMN],
      ['name', 'taskgate, 2 columns masked by name (email, card)', MASK_TWO_COLUMNS],
      ['none', 'taskgate, rules match no column', MATCH_NOTHING],
    ] as const
    const gateways: Array<{
      name: string
      port: number
      user: string
      password: string
      cpuMs: () => Promise<number>
    }> = []
    for (const [key, name, yaml] of cases) {
      if (values.case !== 'all' && values.case !== key) continue
      const tg = await startTaskgate(database, yaml)
      cleanup.unshift(() => tg.stop())
      gateways.push({ name, port: tg.pgPort, cpuMs: () => tg.cpuMs(), ...(await requestGrant(tg)) })
    }
    let direct = Number.POSITIVE_INFINITY
    const best = gateways.map(() => Number.POSITIVE_INFINITY)
    // Gateway CPU per row (user + system, from /proc): steadier than wall time on a loaded machine.
    const cpu = gateways.map(() => Number.POSITIVE_INFINITY)
    for (let i = 0; i < Number(values.repeat); i++) {
      direct = Math.min(
        direct,
        await psqlReadAll({ port: PG.port, user: PG.user, password: '', database }, 'select * from people'),
      )
      for (const [j, g] of gateways.entries()) {
        const cpuBefore = await g.cpuMs()
        best[j] = Math.min(
          best[j]!,
          await psqlReadAll(
            { port: g.port, user: g.user, password: g.password, database },
            'select * from people',
          ),
        )
        cpu[j] = Math.min(cpu[j]!, ((await g.cpuMs()) - cpuBefore) / Number(values.rows))
      }
    }
    const rows = [
      ['case', 'time', 'throughput vs direct', 'gateway CPU per row'],
      ['direct', `${direct.toFixed(0)} ms`, '1.00', ''],
      ...gateways.map((g, j) => [
        g.name,
        `${best[j]!.toFixed(0)} ms`,
        (direct / best[j]!).toFixed(2),
        `${(cpu[j]! * 1000).toFixed(2)} µs`,
      ]),
    ]
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
    process.stdout.write(
      `\n${new Date().toISOString()}  ${process.version}  ${Number(values.rows).toLocaleString('en')}-row SELECT read by psql, best of ${values.repeat}\n`,
    )
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`)
  } finally {
    for (const c of cleanup) await c().catch((e: unknown) => process.stderr.write(`cleanup: ${e}\n`))
  }
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
