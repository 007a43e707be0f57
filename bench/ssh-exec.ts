// The SSH data path against Debian's sshd (started here), direct vs through taskgate (recording on):
//   - Throughput: 50 MB of exec output (`yes … | head -c`, text, so the recording masks and writes it),
//     MB/s direct, through a no-op Node TCP relay (node-relay.ts: the platform's floor; it relays the
//     encrypted bytes, whereas taskgate terminates SSH on both sides) and through taskgate. Target:
//     taskgate ≥ 0.5× direct. The measuring client runs in a worker thread (ssh-exec-client.ts), not on
//     the gateway's thread.
//   - 100 concurrent exec sessions: each of 100 connections runs `true` 5 times; p50 of one exec direct vs
//     through the gateway (the difference is the added latency), and this process's RSS with them open
//     (the gateway and these 100 clients share this process).
//   The bench's sshd raises MaxStartups/MaxSessions: with the defaults (10:30:100, 10) sshd drops
//   connections under load, direct ones and the gateway's upstream ones (opened at login) alike. The
//   gateway's limits.sessionsPerGrant/-Principal are raised too: every session here is one grant's.
//   node bench/ssh-exec.ts [--megabytes 50] [--sessions 100]

import { readdirSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { Client } from 'ssh2'
import { parseOpenSshEd25519 } from '../src/kinds/ssh-keys.ts'
import { CERT_TYPE, mintUserCertificate } from '../src/protocols/ssh/certificate.ts'
import { certificateKey } from '../src/protocols/ssh/vendor/ssh2-cert-auth.ts'
import { exec, startSshGateway } from '../test/support/start-ssh-gateway.ts'
import { startNodeRelay } from './support.ts'

const { values } = parseArgs({
  options: {
    megabytes: { type: 'string', default: '50' },
    sessions: { type: 'string', default: '100' },
    packets: { type: 'boolean', default: false },
    'taskgate-only': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
  },
})
const bytes = Number(values.megabytes) * 1_000_000
const sessions = Number(values.sessions)
const rounds = Math.max(1, Number(values.rounds))

function connect(options: object): Promise<Client> {
  const client = new Client()
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client))
    client.once('error', reject)
    client.on('error', (error) => console.error(`client error: ${error.message}`))
    client.connect({ host: '127.0.0.1', readyTimeout: 120_000, ...options })
  })
}

interface Run {
  /** MB/s seen by the client, from its exec request to the channel's close. */
  rate: number
  /** ms from the exec request to the first byte of output (the session, sshd's fork and the command's start). */
  firstByteMs: number
  /** MB/s from the first byte to the last. */
  streamRate: number
  /** CPU ms per MB of the measuring client's thread. */
  client: number
  /** The server-to-client cipher the measuring client negotiated. */
  cipher: string
  /** CPU ms per MB of sshd and the command it ran (Linux), or undefined elsewhere. */
  target: number | undefined
  /** CPU ms per MB of this thread (the gateway's, or the node relay's) during the transfer. */
  local: number
  /** This thread's garbage collections during the transfer: [count, ms] of full (mark-compact) and minor. */
  gc: { major: [number, number]; minor: [number, number] }
  /** Where this thread's wall time went from the client's first byte to its last (Linux), or undefined elsewhere. */
  sched: { wallMs: number; onCpuMs: number; waitingForCpuMs: number } | undefined
  /** This thread's minor page faults, context switches and moves to another CPU during the transfer
   * (Linux): counts the machine's load disturbs less than times. */
  counts: ThreadCounts | undefined
}

interface ThreadCounts {
  pageFaults: number
  voluntarySwitches: number
  involuntarySwitches: number
  migrations: number
}

/** This thread's time on a CPU and runnable but waiting for one (ns), from /proc (Linux only). The main
 * thread's id is the process id. */
function schedstat(): [number, number] | undefined {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')
    return [Number(onCpu), Number(waiting)]
  } catch {
    return undefined
  }
}

/** This thread's counters from /proc (Linux only; undefined elsewhere). */
function threadCounts(): ThreadCounts | undefined {
  try {
    const dir = `/proc/self/task/${process.pid}`
    const stat = readFileSync(`${dir}/stat`, 'utf8')
    // After the command name: state (3rd field) … minflt (10th).
    const pageFaults = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7])
    const status = readFileSync(`${dir}/status`, 'utf8')
    const field = (text: string, name: RegExp) => Number(name.exec(text)?.[1] ?? Number.NaN)
    const sched = readFileSync(`${dir}/sched`, 'utf8')
    return {
      pageFaults,
      voluntarySwitches: field(status, /^voluntary_ctxt_switches:\s+(\d+)/m),
      involuntarySwitches: field(status, /^nonvoluntary_ctxt_switches:\s+(\d+)/m),
      migrations: field(sched, /^se\.nr_migrations\s+:\s+(\d+)/m),
    }
  } catch {
    return undefined
  }
}

/** CPU ms of a process and its descendants, the exited ones too (a reaped child's time is in its parent's
 * cutime/cstime): sshd, its per-connection processes and the command. From /proc (Linux only). */
function treeCpuMs(root: number): number | undefined {
  try {
    const processes: Array<{ pid: number; ppid: number; ticks: number }> = []
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        // After the command name: state, ppid, … utime (14th field), stime, cutime, cstime.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const ticks = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0)
        processes.push({ pid: Number(entry), ppid: Number(fields[1]), ticks })
      } catch {
        // exited meanwhile
      }
    }
    const tree = new Set([root])
    for (let grew = true; grew; ) {
      grew = false
      for (const p of processes)
        if (!tree.has(p.pid) && tree.has(p.ppid)) {
          tree.add(p.pid)
          grew = true
        }
    }
    const ticks = processes.filter((p) => tree.has(p.pid)).reduce((sum, p) => sum + p.ticks, 0)
    return (ticks * 1000) / 100 // USER_HZ is 100 on Linux
  } catch {
    return undefined
  }
}

/** One 50 MB exec, measured by a client in a worker thread: its rate, and CPU per MB on both threads. */
async function throughput(job: object): Promise<Run> {
  const targetBefore = treeCpuMs(sshdPid)
  const gc = { major: [0, 0] as [number, number], minor: [0, 0] as [number, number] }
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind
      const slot = kind === constants.NODE_PERFORMANCE_GC_MAJOR ? gc.major : gc.minor
      slot[0]++
      slot[1] += entry.duration
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  const worker = new Worker(new URL('./ssh-exec-client.ts', import.meta.url), {
    workerData: { bytes, ...job },
  })
  const before = process.threadCpuUsage()
  // From the first byte the client receives (not from the login), sampled when the worker says so.
  let schedBefore: [number, number] | undefined
  let countsBefore: ThreadCounts | undefined
  let startedAt = 0
  type Result = { rate: number; cpuMs: number; cipher: string; firstByteMs: number; streamRate: number }
  const { rate, cpuMs, cipher, firstByteMs, streamRate } = await new Promise<Result>((resolve, reject) => {
    worker.on('message', (message: { firstByte?: true } & Result) => {
      if (!message.firstByte) return resolve(message)
      schedBefore = schedstat()
      countsBefore = threadCounts()
      startedAt = performance.now()
    })
    worker.once('error', reject)
  })
  const used = process.threadCpuUsage(before)
  observer.disconnect()
  const targetAfter = treeCpuMs(sshdPid)
  const schedAfter = schedstat()
  const countsAfter = threadCounts()
  const megabytes = bytes / 1e6
  const sched =
    schedBefore && schedAfter
      ? {
          wallMs: performance.now() - startedAt,
          onCpuMs: (schedAfter[0] - schedBefore[0]) / 1e6,
          waitingForCpuMs: (schedAfter[1] - schedBefore[1]) / 1e6,
        }
      : undefined
  const target =
    targetBefore !== undefined && targetAfter !== undefined
      ? (targetAfter - targetBefore) / megabytes
      : undefined
  return {
    rate,
    firstByteMs,
    streamRate,
    cipher,
    gc,
    client: cpuMs / megabytes,
    target,
    local: (used.user + used.system) / 1000 / megabytes,
    sched,
    counts:
      countsBefore && countsAfter
        ? {
            pageFaults: countsAfter.pageFaults - countsBefore.pageFaults,
            voluntarySwitches: countsAfter.voluntarySwitches - countsBefore.voluntarySwitches,
            involuntarySwitches: countsAfter.involuntarySwitches - countsBefore.involuntarySwitches,
            migrations: countsAfter.migrations - countsBefore.migrations,
          }
        : undefined,
  }
}

/** Exec round trips; a dropped connection is counted (and its error kept), not fatal, so a run reports it. */
async function latencies(
  clients: Client[],
): Promise<{ times: number[]; failed: number; errors: Set<string> }> {
  const times: number[] = []
  const errors = new Set<string>()
  let failed = 0
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < 5; i++) {
        const started = performance.now()
        try {
          await exec(client, 'true')
          times.push(performance.now() - started)
        } catch (error) {
          failed++
          errors.add((error as Error).message)
          return
        }
      }
    }),
  )
  return { times: times.sort((a, b) => a - b), failed, errors }
}

/** Opened one after another: sshd drops concurrent unauthenticated connections past MaxStartups (10). */
async function openAll(open: () => Promise<Client>): Promise<Client[]> {
  const clients: Client[] = []
  for (let i = 0; i < sessions; i++) clients.push(await open())
  return clients
}

/** Hooks ssh2's internals (this thread only: the gateway's two legs, not the measuring client's worker). */
function countPackets(): { reset(): void; print(megabytes: number): void } {
  const require = createRequire(import.meta.url)
  type Counts = Map<number, number>
  const proto = require('ssh2/lib/protocol/Protocol.js').prototype
  const chan = require('ssh2/lib/Channel.js').Channel.prototype
  let sent: Counts = new Map()
  let received: Counts = new Map()
  let reads: Counts = new Map()
  const add = (counts: Counts, size: number) => counts.set(size, (counts.get(size) ?? 0) + 1)
  // Packets the gateway encrypts: on the client leg its channel data (the relay builds them itself,
  // coalesce-output.ts); the upstream leg sends only window adjusts and the like (under 1 KiB).
  let cipher: { encrypt(packet: Buffer): void } | undefined
  try {
    cipher = require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node').AESGCMCipher.prototype
  } catch {
    console.log('packets: ssh2 native binding not loaded: packets to the client not counted')
  }
  if (cipher) {
    const encrypt = cipher.encrypt
    cipher.encrypt = function (this: unknown, packet: Buffer) {
      if (packet.length > 1024) add(sent, packet.length)
      return encrypt.call(this, packet)
    }
  }
  const push = chan.push
  chan.push = function (this: { server: boolean }, data: Buffer | null) {
    if (!this.server && data) add(received, data.length)
    return push.call(this, data)
  }
  const parse = proto.parse
  proto.parse = function (this: { _server: boolean }, chunk: Buffer, i: number, len: number) {
    if (!this._server) add(reads, len - i)
    return parse.call(this, chunk, i, len)
  }
  const describe = (counts: Counts, megabytes: number) => {
    const total = [...counts.values()].reduce((a, b) => a + b, 0)
    const top = [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([size, n]) => `${size} B ×${n}`)
      .join(', ')
    return `${(total / megabytes).toFixed(1)}/MB (${top})`
  }
  return {
    reset() {
      sent = new Map()
      received = new Map()
      reads = new Map()
    },
    print(megabytes) {
      console.log(`packets: channel data from sshd ${describe(received, megabytes)}`)
      console.log(`packets: upstream socket reads ${describe(reads, megabytes)}`)
      console.log(
        `packets: encrypted packets over 1 KiB to the client (AES-GCM, with header, padding, tag) ${describe(sent, megabytes)}`,
      )
    },
  }
}

/** Threads of this process other than this one that are running or waiting for a CPU (state R in
 * /proc, which a loaded machine does not hide as it hides CPU time); 0 where /proc is missing. */
function busyThreads(): number {
  try {
    return readdirSync('/proc/self/task').filter((task) => {
      if (task === String(process.pid)) return false
      try {
        const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8')
        return stat[stat.lastIndexOf(')') + 2] === 'R'
      } catch {
        return false // exited meanwhile
      }
    }).length
  } catch {
    return 0
  }
}

/** One exec through the gateway, then a wait until no other thread of this process runs or waits for a CPU
 * (three samples 250 ms apart, 60 s at most). The gateway's first command line is parsed by tree-sitter's bash grammar, and V8 then
 * compiles the grammar's 160 KB lexer function with its optimising compiler on a background thread: once
 * per process, ~2 s of CPU and ~700 MB of compiler memory in a probe. Without this the compile ran during the
 * first transfer through the gateway (the measured one) and took a core from the gateway thread. */
async function warmUp(): Promise<void> {
  const startedAt = performance.now()
  const client = await gateway()
  // The measured command's shape: a bare `true` is lexed too briefly to make V8 compile the lexer.
  await exec(client, 'yes abcdefghijklmnopqrstuvwxyz | head -c 1')
  client.end()
  let quiet = 0
  while (quiet < 3 && performance.now() - startedAt < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    quiet = busyThreads() === 0 ? quiet + 1 : 0
  }
  const used = process.cpuUsage()
  console.log(
    `warm-up: one exec through the gateway, then no busy background thread after ${((performance.now() - startedAt) / 1000).toFixed(1)} s (process CPU so far ${((used.user + used.system) / 1e6).toFixed(1)} s) [load ${load()}]`,
  )
}

const p50 = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')
console.log(`load average at start: ${load()}`)
await using g = await startSshGateway({
  sshdConfig: `MaxStartups ${sessions * 2 + 10}\nMaxSessions ${sessions + 10}`,
  // One grant holds every session here: past the default limits (20 a grant, 50 a principal) the gateway
  // refuses the session after the login and the client reads `Not connected` at its first exec.
  extraConfig: `limits: { sessionsPerGrant: ${sessions + 10}, sessionsPerPrincipal: ${sessions + 10} }`,
})
const sshdPid = g.sshd.process.pid!
// The cipher of the gateway's upstream leg: its ssh2 client (in this process) picks it, by its own order.
const upstreamCiphers = new Set<string>()
const connectClient = Client.prototype.connect
Client.prototype.connect = function (this: Client, config) {
  if (config.port === g.sshd.port)
    this.once('handshake', (negotiated) => upstreamCiphers.add(negotiated.sc.cipher))
  return connectClient.call(this, config)
}
const { grant, credential } = await g.grant('exec:root')
const ca = parseOpenSshEd25519(await readFile(join(g.dir, 'ca'), 'utf8'))!
const direct = () => {
  const cert = mintUserCertificate({
    ca,
    login: 'root',
    keyId: grant.id,
    now: new Date(),
    validBefore: new Date(Date.now() + 600_000),
    permitPortForwarding: false,
  })
  return connect({
    port: g.sshd.port,
    username: 'root',
    authHandler: [
      {
        type: 'publickey',
        username: 'root',
        key: certificateKey(cert.privateKey, cert.certificate, CERT_TYPE),
      } as never,
    ],
  })
}
const gateway = () =>
  connect({ port: g.port, username: credential.connection.user, password: credential.connection.password })

// --packets: the SSH packets of the taskgate run on each of the gateway's legs (counts and sizes of channel
// data), and its socket reads: per-packet costs (allocation, padding, AES-GCM set-up, one socket write each)
// scale with the count, not the bytes.
const packets = values.packets ? countPackets() : undefined

const caFile = join(g.dir, 'ca')
const relay = await startNodeRelay(g.sshd.port)
await warmUp()
/** One round: direct, relay and taskgate in turn (taskgate only with --taskgate-only); the taskgate/direct
 * ratio, or undefined without direct. */
async function measureRound(round: number): Promise<number | undefined> {
  console.log(
    `round ${round + 1} of ${rounds}${round === 0 ? " (the gateway's data path not yet compiled by V8: cold)" : ''}`,
  )
  const skip = values['taskgate-only']
  const straight = skip
    ? undefined
    : await throughput({ port: g.sshd.port, username: 'root', caFile, keyId: grant.id })
  const relayed = skip
    ? undefined
    : await throughput({ port: relay.port, username: 'root', caFile, keyId: grant.id })
  const { user: username, password } = credential.connection
  packets?.reset()
  // A profiler attached to this thread can start here (`perf record -t PID`): what follows is the gateway's run.
  console.log(`taskgate run starting (pid ${process.pid}) [load ${load()}]`)
  const through = await throughput({ port: g.port, username, password })
  packets?.print(bytes / 1e6)
  if (straight && relayed) {
    console.log(
      `throughput ${values.megabytes} MB: direct ${straight.rate.toFixed(1)} MB/s, node relay ${relayed.rate.toFixed(1)} MB/s, taskgate ${through.rate.toFixed(1)} MB/s (${(through.rate / straight.rate).toFixed(2)}× direct) [load ${load()}]`,
    )
    // CPU per MB does not depend on what else the machine runs as much as MB/s does.
    console.log(
      `CPU per MB: measuring client ${straight.client.toFixed(1)} ms (direct) / ${through.client.toFixed(1)} ms (through taskgate); node relay ${relayed.local.toFixed(1)} ms; taskgate (decrypt, record, re-encrypt) ${through.local.toFixed(1)} ms = ${(through.local / straight.client).toFixed(2)}× the client's`,
    )
    console.log(
      `exec request to first byte: direct ${straight.firstByteMs.toFixed(1)} ms, taskgate ${through.firstByteMs.toFixed(1)} ms; first byte to last: direct ${straight.streamRate.toFixed(1)} MB/s, node relay ${relayed.streamRate.toFixed(1)} MB/s, taskgate ${through.streamRate.toFixed(1)} MB/s`,
    )
    console.log(
      `ciphers (server to client): direct ${straight.cipher}; client to taskgate ${through.cipher}; taskgate to sshd ${[...upstreamCiphers].join(', ')}`,
    )
    if (straight.target !== undefined && through.target !== undefined)
      console.log(
        `CPU per MB of the target (sshd and the command): ${straight.target.toFixed(1)} ms direct / ${through.target.toFixed(1)} ms through taskgate; for 0.5× direct on 2 cores taskgate may use about sshd's + the client's: ${(straight.target + straight.client).toFixed(1)} ms`,
      )
  } else
    console.log(
      `throughput ${values.megabytes} MB: taskgate ${through.rate.toFixed(1)} MB/s; CPU per MB: taskgate ${through.local.toFixed(1)} ms, measuring client ${through.client.toFixed(1)} ms, target ${through.target?.toFixed(1)} ms [load ${load()}]`,
    )
  console.log(
    `taskgate's garbage collections during the transfer: ${through.gc.major[0]} full (${through.gc.major[1].toFixed(0)} ms), ${through.gc.minor[0]} minor (${through.gc.minor[1].toFixed(0)} ms)`,
  )
  // Whether the gateway waits on something (idle time) or on a CPU: gaps the client sees while the gateway
  // thread is runnable are the machine's load, not a stall in the relay.
  const s = through.sched
  if (s)
    console.log(
      `gateway thread from the client's first byte to its last: ${s.wallMs.toFixed(0)} ms wall = ${s.onCpuMs.toFixed(0)} ms on a CPU + ${s.waitingForCpuMs.toFixed(0)} ms runnable waiting for a CPU + ${Math.max(0, s.wallMs - s.onCpuMs - s.waitingForCpuMs).toFixed(0)} ms idle (waiting on I/O, windows, timers)`,
    )
  const c = through.counts
  if (c)
    console.log(
      `gateway thread, the same span: ${(c.pageFaults / (bytes / 1e6)).toFixed(1)} minor page faults a MB, ${c.voluntarySwitches} voluntary and ${c.involuntarySwitches} involuntary context switches, ${c.migrations} moves to another CPU`,
    )
  return straight ? through.rate / straight.rate : undefined
}

if (bytes > 0) {
  const ratios: number[] = []
  for (let round = 0; round < rounds; round++) {
    const ratio = await measureRound(round)
    if (ratio !== undefined) ratios.push(ratio)
  }
  // Round 1 runs the gateway's relay code for the first time (interpreted, then compiled by V8 as it
  // goes); a gateway in service has relayed before. Both are printed; the warm median is the figure.
  const warm = ratios.slice(1).sort((a, b) => a - b)
  if (warm.length > 0)
    console.log(
      `taskgate/direct: cold (round 1) ${ratios[0]!.toFixed(2)}×; warm rounds ${ratios
        .slice(1)
        .map((r) => r.toFixed(2))
        .join(', ')}, median ${warm[Math.floor((warm.length - 1) / 2)]!.toFixed(2)}× [load ${load()}]`,
    )
}
await relay.stop()
if (sessions > 0) {
  const directClients = await openAll(direct)
  const { times: directTimes, ...directFailures } = await latencies(directClients)
  for (const c of directClients) c.end()
  const rssBefore = process.memoryUsage().rss
  const gatewayClients = await openAll(gateway)
  const { times: gatewayTimes, ...gatewayFailures } = await latencies(gatewayClients)
  const rss = process.memoryUsage().rss
  for (const c of gatewayClients) c.end()
  for (const [name, f] of [
    ['direct', directFailures],
    ['taskgate', gatewayFailures],
  ] as const)
    if (f.failed) console.log(`${name}: ${f.failed} execs failed (${[...f.errors].join('; ')})`)
  console.log(
    `${sessions} concurrent exec sessions: p50 exec direct ${p50(directTimes).toFixed(1)} ms, taskgate ${p50(gatewayTimes).toFixed(1)} ms (added ${(p50(gatewayTimes) - p50(directTimes)).toFixed(1)} ms); RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${((rss - rssBefore) / 2 ** 20).toFixed(0)} MiB for the ${sessions} sessions and their clients) [load ${load()}]`,
  )
}
