// Shared pieces of the benchmarks: throwaway database, a taskgate child process, PgBouncer, pgbench runs.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

export const run = promisify(execFile)
export const ROOT = resolve(import.meta.dirname, '..')
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' }
const PG_BIN = '/usr/lib/postgresql/15/bin'

export interface BenchPostgres {
  /** The server's port (PG.port is set to it too). */
  port: number
  stop(): Promise<void>
  /** The server's log file (removed by stop). */
  log: string
}

/**
 * A throwaway PostgreSQL server for benchmarks (initdb in a temp dir, run as the postgres user), so
 * max_connections fits 1,000 idle sessions and nothing else on the machine shares it. Sets PG.port.
 */
export async function startBenchPostgres(
  /** More server settings (`-c name=value` each), e.g. log_connections=on. */
  settings: readonly string[] = [],
): Promise<BenchPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-bench-pg-'))
  const port = await freePort()
  const asPostgres = (cmd: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args])
  await run('chown', ['postgres', dir])
  await asPostgres('initdb', [
    '-D',
    join(dir, 'data'),
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ])
  await asPostgres('pg_ctl', [
    '-D',
    join(dir, 'data'),
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=1300 -c shared_buffers=256MB -c fsync=off${settings.map((s) => ` -c ${s}`).join('')}`,
  ])
  PG.port = port
  return {
    port,
    log: join(dir, 'log'),
    async stop() {
      await asPostgres('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']).catch(() => {})
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Creates `database` on the bench server (PG, or the one on `port`) and returns the step that drops it again. */
export async function createBenchDatabase(database: string, port = PG.port): Promise<() => Promise<void>> {
  const admin = ['-h', PG.host, '-p', String(port), '-U', PG.user, '-d', 'postgres']
  await run('psql', [...admin, '-c', `create database ${database}`])
  return async () => {
    await run('psql', [...admin, '-c', `drop database if exists ${database} with (force)`])
  }
}

/** `pgbench -i` at `scale` into `database` on the bench server (PG). */
export async function initPgbench(database: string, scale: string): Promise<void> {
  process.stderr.write(`pgbench -i -s ${scale} ...\n`)
  await run('pgbench', [
    '-i',
    '-q',
    '-s',
    scale,
    '-h',
    PG.host,
    '-p',
    String(PG.port),
    '-U',
    PG.user,
    database,
  ])
}

/** Ports this process has handed out: the kernel may give the port it just freed to the next listen(0), so
 * two calls in a row (a gateway's API and data ports) could get the same one. */
const handedOut = new Set<number>()

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((ok, fail) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number }
        s.close(() => ok(port))
      })
      s.on('error', fail)
    })
    if (handedOut.has(port)) continue
    handedOut.add(port)
    return port
  }
}

export async function waitForPort(port: number, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.end()
        r(true)
      })
      s.on('error', () => r(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`port ${port} did not open`)
}

export interface TaskgateProcess {
  child: ChildProcess
  apiUrl: string
  pgPort: number
  adminKey: string
  agentKey: string
  rssKb(): Promise<number>
  /** CPU time the gateway (and its workers) used so far, in milliseconds. */
  cpuMs(): Promise<number>
  stop(): Promise<void>
}

/** Starts `node src/main.ts` on a temporary config: one resource at `database`, an agent with wide reads.
 * `root`: the source tree to run (another checkout, for an A/B of two versions in one run). */
export async function startTaskgate(database: string, extraYaml = '', root = ROOT): Promise<TaskgateProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-bench-'))
  const apiPort = await freePort()
  const pgPort = await freePort()
  const config = `
store: { dir: ${dir}/data }
api: { listen: { host: 127.0.0.1, port: ${apiPort} } }
resources:
  - id: bench-db
    kind: postgres
    listen: { host: 127.0.0.1, port: ${pgPort} }
    target: { host: ${PG.host}, port: ${PG.port}, database: ${database}, user: ${PG.user}, tls: disable }
agents:
  - name: bench-agent
    groups: [agents]
policies:
  - group: agents
    resources: [bench-db]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
    maxTtl: 1d
${extraYaml}
`
  await writeFile(join(dir, 'taskgate.yaml'), config)
  const node = join(ROOT, 'node_modules/.bin/node')
  // TASKGATE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway under load.
  const nodeArgs = (process.env.TASKGATE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
  // The gateway's output goes to a file (TASKGATE_BENCH_LOG names it; kept then): a pipe nobody reads
  // would stall the gateway once full.
  const logPath = process.env.TASKGATE_BENCH_LOG ?? join(dir, 'gateway.log')
  const log = await open(logPath, 'w')
  const child = spawn(node, [...nodeArgs, 'src/main.ts', '--config', join(dir, 'taskgate.yaml')], {
    cwd: root,
    env: { ...process.env, TASKGATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', log.fd, 'inherit'],
  })
  await log.close()
  // A loaded machine (several benchmarks and test runs at once) can take its time over the start.
  await waitForPort(apiPort, 60_000)
  await waitForPort(pgPort, 60_000)
  // With `workers`, the forked gateway processes count too.
  const gatewayPids = async () => {
    const children = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '')
    return [String(child.pid), ...children.split(' ').filter(Boolean)]
  }
  const adminKey = (await readFile(join(dir, 'data/keys/admin.key'), 'utf8')).trim()
  const agentKey = (await readFile(join(dir, 'data/keys/bench-agent.key'), 'utf8')).trim()
  return {
    child,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    pgPort,
    adminKey,
    agentKey,
    async rssKb() {
      let total = 0
      for (const pid of await gatewayPids()) {
        const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
        total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
      }
      return total
    },
    async cpuMs() {
      let total = 0
      for (const pid of await gatewayPids()) total += await cpuMs(Number(pid)).catch(() => 0)
      return total
    },
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export async function requestGrant(
  tg: TaskgateProcess,
  scope = '*:public.*',
): Promise<{ user: string; password: string }> {
  const res = await fetch(`${tg.apiUrl}/v1/grants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tg.agentKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resource: 'bench-db', scope: [scope], task: 'benchmark', ttl: '1d' }),
  })
  const body = (await res.json()) as {
    connection?: { user: string; password: string }
    credential?: { connection: { user: string; password: string } }
  }
  const connection = body.connection ?? body.credential?.connection
  if (!connection) throw new Error(`grant request failed: ${JSON.stringify(body)}`)
  return { user: connection.user, password: connection.password }
}

export interface PgBouncer {
  port: number
  /** The pgbouncer process itself (not the runuser wrapper), for its CPU time. */
  pid: number
  stop(): Promise<void>
}

/** CPU time (user + system, all threads) a process has used so far, in milliseconds. */
export async function cpuMs(pid: number): Promise<number> {
  // /proc/PID/stat fields 14 and 15 (utime, stime) in clock ticks; after the ") " that ends the name.
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
}
const CLOCK_TICKS = 100

/** The no-op Node.js relay of node-relay.ts in front of `targetPort`. */
export async function startNodeRelay(
  targetPort: number,
): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const port = await freePort()
  const node = join(ROOT, 'node_modules/.bin/node')
  const child = spawn(node, [join(ROOT, 'bench/node-relay.ts'), String(port), String(targetPort)], {
    stdio: 'inherit',
  })
  await waitForPort(port)
  return {
    port,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    },
  }
}

/** PgBouncer (Debian package) in session pooling with trust auth, as the peer to beat. */
export async function startPgBouncer(database: string): Promise<PgBouncer> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-pgb-'))
  const port = await freePort()
  await writeFile(join(dir, 'users.txt'), `"${PG.user}" ""\n`)
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    `[databases]\n${database} = host=${PG.host} port=${PG.port} dbname=${database} user=${PG.user}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\nauth_type = trust\nauth_file = ${dir}/users.txt\npool_mode = session\nmax_client_conn = 2000\ndefault_pool_size = 50\nunix_socket_dir =\nlogfile = ${dir}/pgb.log\npidfile = ${dir}/pgb.pid\n`,
  )
  const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
  await run('chmod', ['-R', 'a+rwX', dir])
  const child = spawn(
    asUser[0] ?? 'pgbouncer',
    [...asUser.slice(1), ...(asUser.length ? ['pgbouncer'] : []), join(dir, 'pgbouncer.ini')],
    { stdio: 'ignore' },
  )
  await waitForPort(port)
  const { stdout } = await run('pgrep', ['-n', '-f', `^pgbouncer ${join(dir, 'pgbouncer.ini')}`])
  return {
    port,
    pid: Number(stdout.trim()),
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export interface PgbenchResult {
  tps: number
  latencyMs: number
  /** Median per-transaction latency, when asked for (`latencies`): from pgbench's `--log` files. */
  p50Ms?: number
}

export async function pgbench(
  args: string[],
  conn: { port: number; user: string; password?: string; database: string },
  options: { latencies?: boolean } = {},
): Promise<PgbenchResult> {
  const logDir = options.latencies ? await mkdtemp(join(tmpdir(), 'tg-pgbench-log-')) : undefined
  const logArgs = logDir ? ['--log', `--log-prefix=${join(logDir, 'tx')}`] : []
  const { stdout } = await run(
    'pgbench',
    ['-h', '127.0.0.1', '-p', String(conn.port), '-U', conn.user, ...logArgs, ...args, conn.database],
    {
      env: { ...process.env, PGPASSWORD: conn.password ?? '', PGSSLMODE: 'disable' },
      maxBuffer: 64 * 1024 * 1024,
    },
  )
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1])
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1])
  if (!logDir) return { tps, latencyMs }
  try {
    return { tps, latencyMs, p50Ms: await medianLatencyMs(logDir) }
  } finally {
    await rm(logDir, { recursive: true, force: true })
  }
}

/** pgbench `--log` lines are `client transaction latency_us script epoch epoch_us` (pgbench docs,
 * "Per-Transaction Logging"). */
async function medianLatencyMs(dir: string): Promise<number> {
  const latencies: number[] = []
  for (const file of await readdir(dir)) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
      const us = Number(line.split(' ')[2])
      if (line && Number.isFinite(us)) latencies.push(us)
    }
  }
  latencies.sort((a, b) => a - b)
  return (latencies[Math.floor(latencies.length / 2)] ?? Number.NaN) / 1000
}

/** Milliseconds for psql to read a whole result to the end (output discarded), as a user of `port`. */
export async function psqlReadAll(
  conn: { port: number; user: string; password?: string; database: string },
  sql: string,
): Promise<number> {
  const started = process.hrtime.bigint()
  await new Promise<void>((ok, fail) => {
    const args = [
      '-h',
      '127.0.0.1',
      '-p',
      String(conn.port),
      '-U',
      conn.user,
      '-d',
      conn.database,
      '-X',
      '-q',
      '-c',
      sql,
    ]
    const child = spawn('psql', args, {
      env: { ...process.env, PGPASSWORD: conn.password ?? '', PGSSLMODE: 'disable' },
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`psql exited ${code}`))))
  })
  return Number(process.hrtime.bigint() - started) / 1e6
}
