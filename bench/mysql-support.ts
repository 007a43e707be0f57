// The MySQL benchmarks' shared pieces: taskgate in front of the machine's MariaDB (a mysql resource, a read
// grant on one database) and sysbench's connection arguments.
import { spawn } from 'node:child_process'
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuMs, freePort, ROOT, waitForPort } from './support.ts'

export interface Path {
  name: string
  port: number
  user: string
  password: string
  /** CPU ms of the process in the middle (none for direct). */
  cpuMs?: () => Promise<number>
  /** Its process id, for the user / system split of that CPU. */
  pid?: number
}

/** `root`: the source tree to run (another checkout, for an A/B of two versions in one run). */
export async function startTaskgateMysql(
  database: string,
  root = ROOT,
  name = 'taskgate',
): Promise<{ path: Path; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-bench-my-'))
  const apiPort = await freePort()
  const port = await freePort()
  await writeFile(
    join(dir, 'taskgate.yaml'),
    `
store: { dir: ${dir}/data }
api: { listen: { host: 127.0.0.1, port: ${apiPort} } }
resources:
  - id: bench-my
    kind: mysql
    listen: { host: 127.0.0.1, port: ${port} }
    target: { host: 127.0.0.1, port: 3306, user: root, database: ${database}, tls: disable }
agents:
  - { name: bench-agent, groups: [agents] }
policies:
  - { group: agents, resources: [bench-my], ceiling: ["*:*"], autoApprove: ["*:*"], maxTtl: 1d }
`,
  )
  const nodeArgs = (process.env.TASKGATE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const log = await open(join(dir, 'gateway.log'), 'w')
  const child = spawn(
    join(ROOT, 'node_modules/.bin/node'),
    [...nodeArgs, 'src/main.ts', '--config', join(dir, 'taskgate.yaml')],
    { cwd: root, env: { ...process.env, TASKGATE_LOG_LEVEL: 'warn' }, stdio: ['ignore', log.fd, 'inherit'] },
  )
  await log.close()
  // A loaded machine can take a while to start the gateway.
  await waitForPort(apiPort, 120_000).catch((error: unknown) => {
    child.kill('SIGTERM')
    throw error
  })
  await waitForPort(port, 120_000)
  const agentKey = (await readFile(join(dir, 'data/keys/bench-agent.key'), 'utf8')).trim()
  const res = await fetch(`http://127.0.0.1:${apiPort}/v1/grants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      resource: 'bench-my',
      scope: [`select:${database}.*`],
      task: 'benchmark',
      ttl: '1d',
    }),
  })
  const body = (await res.json()) as { credential?: { connection: { user: string; password: string } } }
  const connection = body.credential?.connection
  if (!connection) throw new Error(`grant request failed: ${JSON.stringify(body)}`)
  return {
    path: { name, port, ...connection, cpuMs: () => cpuMs(child.pid!), pid: child.pid! },
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export const sysbenchArgs = (p: Path, database: string) => [
  '--db-driver=mysql',
  '--mysql-host=127.0.0.1',
  `--mysql-port=${p.port}`,
  `--mysql-user=${p.user}`,
  `--mysql-password=${p.password}`,
  `--mysql-db=${database}`,
  '--mysql-ssl=off',
  '--tables=1',
  '--table-size=10000',
]

/** User and system CPU ms of `pid` (/proc/PID/stat fields 14 and 15, in clock ticks of 10 ms). */
export async function userSystemMs(pid: number): Promise<{ user: number; system: number }> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 }
}
