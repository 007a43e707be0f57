// Masking throughput in the PostgreSQL data path: a 1,000,000-row SELECT read to the end by psql, direct vs
// taskgate masking two columns (email, card: every row changes; by detectors, and by column name) vs taskgate
// with rules that match no column.
// All three in one run, best of N each; prints ratios to direct. See README "Masking" for the latest figures.
//   node bench/pg-masking.ts [--rows 1000000] [--repeat 3]
import { parseArgs } from 'node:util'
import { MASK_TWO_COLUMNS, MATCH_NOTHING, seedPeopleSql } from './masking-fixtures.ts'
import { PG, psqlReadAll, requestGrant, run, startTaskgate } from './support.ts'

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '3' } },
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
    const configs = {
      'taskgate, 2 columns scanned by detectors (email, card)': DETECT_TWO_COLUMNS,
      'taskgate, 2 columns masked by name (email, card)': MASK_TWO_COLUMNS,
      'taskgate, rules match no column': MATCH_NOTHING,
    }
    const gateways: Array<{ name: string; port: number; user: string; password: string }> = []
    for (const [name, yaml] of Object.entries(configs)) {
      const tg = await startTaskgate(database, yaml)
      cleanup.unshift(() => tg.stop())
      gateways.push({ name, port: tg.pgPort, ...(await requestGrant(tg)) })
    }
    let direct = Number.POSITIVE_INFINITY
    const best = gateways.map(() => Number.POSITIVE_INFINITY)
    for (let i = 0; i < Number(values.repeat); i++) {
      direct = Math.min(
        direct,
        await psqlReadAll({ port: PG.port, user: PG.user, password: '', database }, 'select * from people'),
      )
      for (const [j, g] of gateways.entries())
        best[j] = Math.min(
          best[j]!,
          await psqlReadAll(
            { port: g.port, user: g.user, password: g.password, database },
            'select * from people',
          ),
        )
    }
    const rows = [
      ['case', 'time', 'throughput vs direct'],
      ['direct', `${direct.toFixed(0)} ms`, '1.00'],
      ...gateways.map((g, j) => [g.name, `${best[j]!.toFixed(0)} ms`, (direct / best[j]!).toFixed(2)]),
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
