// Profiles the gateway under sysbench (`--cpu-prof`) in front of the machine's MariaDB and prints the top
// self-time functions with their share of the gateway's samples and µs per transaction, then the same by
// file, then by area: a sample counts for recording when any frame of its stack is in the recorder or the
// store (src/core/recording/, src/store/, node:sqlite), whoever called it. MySQL's counterpart of
// pg-profile.ts.
//   node bench/mysql-profile.ts [--seconds 10] [--test oltp_read_only] [--threads 8] [--ps-mode auto|disable]
//     [--top 25]
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startTaskgateMysql, sysbenchArgs } from './mysql-support.ts'
import { run } from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    test: { type: 'string', default: 'oltp_read_only' },
    threads: { type: 'string', default: '8' },
    'ps-mode': { type: 'string', default: 'auto' },
    top: { type: 'string', default: '25' },
  },
})
const database = `tg_bench_myprof_${process.pid}`
const rootArgs = ['-h127.0.0.1', '-P3306', '-uroot']

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

const RECORDING = /src\/core\/recording\/|src\/store\/|node:sqlite/

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'tg-myprof-'))
  process.env.TASKGATE_BENCH_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`
  await run('mariadb', [...rootArgs, '-e', `CREATE DATABASE ${database}`])
  let transactions = 0
  // The steady window, on the profile's clock (CLOCK_MONOTONIC µs, as process.hrtime): from 2 s after
  // sysbench starts to 1 s before it ends, so sessions' start and end (an end reads the grant's records for
  // anomaly evidence) are left out; transactions are counted in that window at sysbench's mean rate.
  let windowFrom = 0
  let windowTo = 0
  try {
    const direct = { name: 'direct', port: 3306, user: 'root', password: '' }
    await run('sysbench', ['oltp_read_only', ...sysbenchArgs(direct, database), 'prepare'])
    const tg = await startTaskgateMysql(database)
    try {
      const started = Number(process.hrtime.bigint() / 1000n)
      const { stdout } = await run(
        'sysbench',
        [
          values.test!,
          ...sysbenchArgs(tg.path, database),
          `--db-ps-mode=${values['ps-mode']}`,
          `--threads=${values.threads}`,
          `--time=${values.seconds}`,
          'run',
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      )
      const ended = Number(process.hrtime.bigint() / 1000n)
      const total = Number(/transactions:\s+(\d+)/.exec(stdout)?.[1])
      if (!total) throw new Error(stdout)
      windowFrom = started + 2e6
      windowTo = ended - 1e6
      transactions = (total * (windowTo - windowFrom)) / (Number(values.seconds) * 1e6)
    } finally {
      await tg.stop()
    }
  } finally {
    await run('mariadb', [...rootArgs, '-e', `DROP DATABASE IF EXISTS ${database}`])
  }
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no profile in ${dir}`)
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile
  const parent = new Map<number, number>()
  const byId = new Map<number, ProfileNode>()
  for (const node of profile.nodes) {
    byId.set(node.id, node)
    for (const child of node.children ?? []) parent.set(child, node.id)
  }
  const inRecording = new Map<number, boolean>()
  const recording = (id: number): boolean => {
    const known = inRecording.get(id)
    if (known !== undefined) return known
    const url = byId.get(id)?.callFrame.url ?? ''
    const up = parent.get(id)
    const yes = RECORDING.test(url) || (up !== undefined && recording(up))
    inRecording.set(id, yes)
    return yes
  }
  const self = new Map<number, number>()
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0
    if (at >= windowFrom && at <= windowTo) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
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
  const line = (name: string, us: number) =>
    `${((us / busy) * 100).toFixed(1).padStart(5)} %  ${(us / transactions).toFixed(2).padStart(6)} µs/tx  ${name}\n`
  process.stdout.write(
    `\n${file} in ${dir}: ${transactions} transactions (${values.test}, ps-mode ${values['ps-mode']}, ${values.threads} threads), ${(busy / transactions).toFixed(1)} µs sampled busy per transaction\n`,
  )
  for (const [name, us] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    process.stdout.write(line(name, us))
  process.stdout.write('\nby file\n')
  for (const [name, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    process.stdout.write(line(name, us))
  // Inclusive time (each function once per sample), leaving out the socket writes' native frame: V8 samples
  // wall time, so a thread preempted inside a write (the write wakes the reader) counts as writing.
  const inclusive = new Map<string, number>()
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0
    if (us === 0 || node.callFrame.functionName === 'writeBuffer') continue
    const seen = new Set<string>()
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame
      const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${lineNumber + 1}`
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  }
  process.stdout.write('\ninclusive, socket writes left out\n')
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    process.stdout.write(line(name, us))
  // Self time by where it is spent, recording first (whoever called it).
  const area = new Map<string, number>()
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0
    const { functionName, url } = node.callFrame
    if (us === 0 || functionName === '(idle)') continue
    const name = recording(node.id)
      ? 'recording (a frame in src/core/recording, src/store or node:sqlite)'
      : functionName === 'writeBuffer'
        ? 'socket writes (native writeBuffer; wall time, see above)'
        : functionName === '(garbage collector)'
          ? 'garbage collector'
          : url.includes('/src/protocols/mysql/')
            ? 'the MySQL engine (src/protocols/mysql)'
            : url.includes('/src/')
              ? 'core and the protocol kit, not recording (src/core, src/protocols/kit, …)'
              : url.startsWith('node:')
                ? "Node's streams, net and timers (node:*)"
                : 'other (program, native)'
    area.set(name, (area.get(name) ?? 0) + us)
  }
  process.stdout.write('\nby area (self time)\n')
  for (const [name, us] of [...area].sort((a, b) => b[1] - a[1])) process.stdout.write(line(name, us))
}

await main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
