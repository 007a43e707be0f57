// Profiles the gateway under pgbench select-only (`--cpu-prof`) and prints the top self-time functions with
// their share of the gateway's samples and µs per transaction: where the gateway's microseconds go.
//   node bench/pg-profile.ts [--seconds 10] [--mode simple|extended|prepared] [--top 25]
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { PG, pgbench, requestGrant, run, startTaskgate } from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'simple' },
    top: { type: 'string', default: '25' },
  },
})
const database = `tg_bench_prof_${process.pid}`
const admin = ['-h', PG.host, '-p', String(PG.port), '-U', PG.user]

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'tg-prof-'))
  process.env.TASKGATE_BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`
  await run('psql', [...admin, '-d', 'postgres', '-c', `create database ${database}`])
  let transactions = 0
  try {
    await run('pgbench', ['-i', '-q', '-s', '1', ...admin, database])
    const tg = await startTaskgate(database)
    try {
      const cred = await requestGrant(tg)
      const conn = { port: tg.pgPort, user: cred.user, password: cred.password, database }
      const args = ['-S', '-M', values.mode!, '-c', '8', '-j', '2', '-T', values.seconds!]
      const result = await pgbench(args, conn)
      transactions = result.tps * Number(values.seconds)
    } finally {
      await tg.stop()
    }
  } finally {
    await run('psql', [...admin, '-d', 'postgres', '-c', `drop database if exists ${database} with (force)`])
  }
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no profile in ${dir}`)
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile
  // Only the load's window: the gateway's start (module loading, migrations) is not per-transaction work.
  const self = new Map<number, number>()
  const from = profile.endTime - (Number(values.seconds) + 0.5) * 1e6
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0
    if (at >= from) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const byName = new Map<string, number>()
  let busy = 0
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') continue
    busy += us
    const where = url ? `${url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'} ${where}`
    byName.set(key, (byName.get(key) ?? 0) + us)
  }
  const byFile = new Map<string, number>()
  for (const [key, us] of byName) {
    const file = key.split(' ')[1]?.replace(/:\d+$/, '') || '(native)'
    byFile.set(file, (byFile.get(file) ?? 0) + us)
  }
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))
  process.stdout.write(
    `\n${file} in ${dir}: ${transactions.toFixed(0)} transactions (${values.mode}), ${(busy / transactions).toFixed(1)} µs sampled busy per transaction\n`,
  )
  for (const [name, us] of top)
    process.stdout.write(
      `${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / transactions).toFixed(2).padStart(6)} µs/tx  ${name}\n`,
    )
  process.stdout.write('\nby file\n')
  for (const [name, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    process.stdout.write(
      `${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / transactions).toFixed(2).padStart(6)} µs/tx  ${name}\n`,
    )
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
