// Several gateway replicas (`node src/main.ts`, each its own process, its own store.dir as on its own host)
// sharing one PostgreSQL store, behind Debian's HAProxy running deploy/haproxy/haproxy.cfg as shipped. Each
// replica has fixed ports, so one killed can be started again where the balancer expects it.
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, createWriteStream, fstatSync, openSync, readSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const COMPILE_CACHE = fileURLToPath(new URL('../../node_modules/.cache/node-compile', import.meta.url))
export const HAPROXY_CFG = fileURLToPath(new URL('../../deploy/haproxy/haproxy.cfg', import.meta.url))
const HAPROXY = process.env.TASKGATE_HAPROXY ?? '/usr/sbin/haproxy'

export interface ReplicaPorts {
  api: number
  pg: number
}

export interface Replica {
  name: string
  ports: ReplicaPorts
  api: string
  dataDir: string
  /** Starts the process (again, after a kill) and resolves once it listens (rejects after `timeoutMs`,
   * 60 s by default). */
  start(timeoutMs?: number): Promise<void>
  /** Sends `signal` and resolves once the process exited. */
  kill(signal: NodeJS.Signals): Promise<void>
  readonly running: boolean
  /** The running process's pid (undefined before the first start). */
  readonly pid: number | undefined
}

/** A replica's config: `common` (YAML of everything but store/api/resources) plus its own dirs and ports. */
export async function writeReplicaConfig(o: {
  dir: string
  name: string
  ports: ReplicaPorts
  balancer: { api: number; pg: number }
  storeUrlFile: string
  resource: string
  common: string
  /** More keys of `store:` (e.g. `, poolSize: 60`). */
  storeExtra?: string
}): Promise<string> {
  const dataDir = join(o.dir, o.name, 'data')
  await mkdir(join(o.dir, o.name), { recursive: true, mode: 0o700 })
  const yaml = `
store: { dir: ${JSON.stringify(dataDir)}, databaseUrl: { file: ${JSON.stringify(o.storeUrlFile)} }${o.storeExtra ?? ''} }
api: { listen: { host: 127.0.0.1, port: ${o.ports.api} }, publicUrl: "http://127.0.0.1:${o.balancer.api}" }
resources:
  - ${o.resource.trim().replaceAll('\n', '\n    ')}
    listen: { host: 127.0.0.1, port: ${o.ports.pg}, advertise: { host: 127.0.0.1, port: ${o.balancer.pg} } }
${o.common}
`
  const path = join(o.dir, o.name, 'taskgate.yaml')
  await writeFile(path, yaml)
  return path
}

export function replica(name: string, configPath: string, ports: ReplicaPorts, dataDir: string): Replica {
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  return {
    name,
    ports,
    api: `http://127.0.0.1:${ports.api}`,
    dataDir,
    get pid() {
      return child?.pid
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    async start(timeoutMs = 60_000) {
      // Everything the replica says, kept beside its data dir (gateway.log) for a failed run.
      const logPath = join(dataDir, '..', 'gateway.log')
      const logFd = openSync(logPath, 'a', 0o600)
      const startOffset = fstatSync(logFd).size
      const proc = spawn(process.execPath, [MAIN, '--config', configPath], {
        env: {
          ...process.env,
          TASKGATE_LOG_LEVEL: process.env.TASKGATE_TEST_LOG ?? 'warn',
          // Node's compile cache (type-stripped sources included): a replica started again compiles nothing.
          // The checkout's own, as npm test's: never a shared directory, since what is in it is run.
          NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE,
        },
        // stdout (its logs) straight into gateway.log: through a pipe read by a busy test process, a full pipe
        // would stall the replica's own writes.
        stdio: ['ignore', logFd, 'pipe'],
      })
      closeSync(logFd)
      child = proc
      proc.stderr!.pipe(createWriteStream(logPath, { flags: 'a', mode: 0o600 }))
      exited = new Promise((resolve) => proc.once('close', () => resolve()))
      let output = ''
      proc.stderr!.on('data', (d: Buffer) => {
        output = (output + d.toString()).slice(-20_000)
      })
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          const said = readTail(logPath, startOffset)
          if (/control plane at /.test(said)) {
            stop()
            resolve()
          }
        }, 100)
        const timer = setTimeout(() => {
          stop()
          reject(new Error(`replica ${name} did not start:\n${readTail(logPath, startOffset)}${output}`))
        }, timeoutMs)
        const onClose = (code: number | null) => {
          stop()
          reject(new Error(`replica ${name} exited (${code}):\n${readTail(logPath, startOffset)}${output}`))
        }
        const stop = () => {
          clearInterval(poll)
          clearTimeout(timer)
          proc.off('close', onClose)
        }
        proc.once('close', onClose)
      })
    },
    async kill(signal) {
      if (!child || !this.running) return
      child.kill(signal)
      await exited
    },
  }
}

/** The last 20,000 characters written to `path` after `offset`. */
function readTail(path: string, offset: number): string {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const from = Math.max(offset, size - 20_000)
    const buffer = Buffer.alloc(size - from)
    readSync(fd, buffer, 0, buffer.length, from)
    return buffer.toString()
  } finally {
    closeSync(fd)
  }
}

/** Stops every replica still running: SIGTERM, then SIGKILL after 10 s. */
export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      const killer = setTimeout(() => void r.kill('SIGKILL'), 10_000)
      await r.kill('SIGTERM')
      clearTimeout(killer)
    }),
  )
}

export interface Balancer extends AsyncDisposable {
  api: string
  ports: { api: number; pg: number }
  /** HAProxy's process id (the soak counts its CPU). */
  pid: number | undefined
  /** The last 10,000 characters HAProxy printed (in the foreground it reports servers going down and up). */
  output(): string
}

/** HAProxy in the foreground on deploy/haproxy/haproxy.cfg, the addresses given through its environment. */
/** `logFile`: HAProxy logs every connection and health-check change there (TG_LB_LOG in haproxy.cfg). */
export async function startHaproxy(a: ReplicaPorts, b: ReplicaPorts, logFile?: string): Promise<Balancer> {
  const ports = { api: await stablePort(), pg: await stablePort() }
  const env = {
    PATH: process.env.PATH,
    TG_LB_HOST: '127.0.0.1',
    TG_LB_API_PORT: String(ports.api),
    TG_LB_PG_PORT: String(ports.pg),
    TG_A_HOST: '127.0.0.1',
    TG_A_API_PORT: String(a.api),
    TG_A_PG_PORT: String(a.pg),
    TG_B_HOST: '127.0.0.1',
    TG_B_API_PORT: String(b.api),
    TG_B_PG_PORT: String(b.pg),
    ...(logFile ? { TG_LB_LOG: '1' } : {}),
  }
  // With a log file, HAProxy writes its stdout (one line per connection) straight into it: through a pipe
  // read by this busy process it drops lines once the pipe is full. Alerts (servers down/up) stay below.
  const logFd = logFile ? openSync(logFile, 'a', 0o600) : undefined
  const proc = spawn(HAPROXY, ['-db', '-f', HAPROXY_CFG], {
    env,
    stdio: ['ignore', logFd ?? 'pipe', 'pipe'],
  })
  if (logFd !== undefined) closeSync(logFd)
  let output = ''
  proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-10_000)))
  proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-10_000)))
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()))
  for (let i = 0; !(await accepts(ports.api)); i++) {
    if (proc.exitCode !== null || i > 100) throw new Error(`haproxy did not start:\n${output}`)
    await sleep(100)
  }
  return {
    api: `http://127.0.0.1:${ports.api}`,
    ports,
    pid: proc.pid,
    output: () => output,
    async [Symbol.asyncDispose]() {
      proc.kill('SIGTERM')
      await exited
    },
  }
}

/** Ports for a replica, free now and below the ephemeral range (32768+ here): a replica started again
 * must find its ports free, and the clients' own outgoing connections take ephemeral ports. */
export async function replicaPorts(): Promise<ReplicaPorts> {
  return { api: await stablePort(), pg: await stablePort() }
}

const taken = new Set<number>()

async function stablePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (taken.has(port) || !(await canBind(port))) continue
    taken.add(port)
    return port
  }
  throw new Error('no free port below the ephemeral range')
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Which replicas the balancer's API answers from, over `n` requests (x-taskgate-replica). */
export async function replicasAnswering(balancer: Balancer, n: number): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${balancer.api}/v1/health/ready`).catch(() => undefined)
    const name = res?.headers.get('x-taskgate-replica')
    if (res?.ok && name) seen.add(name)
    await res?.text()
  }
  return seen
}

/** Waits until the balancer sends requests to every one of `names`. */
export async function balancerSees(balancer: Balancer, names: readonly string[]): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const seen = await replicasAnswering(balancer, 2 * names.length)
    if (names.every((n) => seen.has(n)) && seen.size === names.length) return
    await sleep(200)
  }
  throw new Error(`the balancer never settled on exactly ${names.join(', ')}`)
}

export async function readKey(dataDir: string, name: string): Promise<string> {
  return (await readFile(join(dataDir, 'keys', `${name}.key`), 'utf8')).trim()
}
