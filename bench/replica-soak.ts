// Replica soak (issue #17): two gateways sharing one PostgreSQL store behind HAProxy
// (deploy/haproxy/haproxy.cfg), `--per-replica` sessions each held open through the balancer for
// `--seconds`, every session running a statement about every `--every-ms`; halfway one replica is SIGKILLed
// and started again `--down-seconds` later. A session that loses its connection logs in again at once, and
// every session ends after about `--session-seconds` and logs in again, so logins go on all through the soak
// and the restarted replica is given sessions (the balancer's leastconn sends it the new ones).
// Which replica served each connection is read from the balancer's own log (by the client's port), so:
// Pass: no failed login except attempts the killed replica had accepted before it died, no session dropped
// except the killed replica's own, the restarted replica opened sessions before the soak ended, no live
// session left in the store after the clients close, the audit chain verifies.
// Too heavy for `npm test` (1,000 upstream connections): run by hand, figures in README "Replicas".
// Logs (each gateway at info, HAProxy's connection log, PostgreSQL with log_connections) are kept on failure
// or with --keep-logs; the directory is printed.
//   node bench/replica-soak.ts [--per-replica 500] [--seconds 120] [--every-ms 1000] [--down-seconds 5]
//     [--ramp 25] (logins per second while filling up) [--pool-size 20] (each replica's store.poolSize)
//     [--session-seconds 30] (mean session life) [--login-timeout 30s] (target.loginTimeout) [--keep-logs]
//     [--shared-postgres] (store and target on one PostgreSQL server, as runs 1-11; two by default)
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import pg from 'pg'
import {
  type Balancer,
  balancerSees,
  type Replica,
  readKey,
  replica,
  replicaPorts,
  startHaproxy,
  stopReplicas,
  writeReplicaConfig,
} from '../test/support/replica-cluster.ts'
import { hostBusySeconds, postgresCpuSeconds, processCpuSeconds } from './host-cpu.ts'
import { createBenchDatabase, PG, run, startBenchPostgres } from './support.ts'

const { values } = parseArgs({
  options: {
    'per-replica': { type: 'string', default: '500' },
    seconds: { type: 'string', default: '120' },
    'every-ms': { type: 'string', default: '1000' },
    'down-seconds': { type: 'string', default: '5' },
    ramp: { type: 'string', default: '25' },
    'pool-size': { type: 'string', default: '20' },
    'session-seconds': { type: 'string', default: '30' },
    'keep-logs': { type: 'boolean', default: false },
    'login-timeout': { type: 'string', default: '30s' },
    'shared-postgres': { type: 'boolean', default: false },
  },
})
const perReplica = Math.min(Math.max(Number(values['per-replica']), 1), 600)
const seconds = Math.max(Number(values.seconds), 10)
const everyMs = Math.max(Number(values['every-ms']), 10)
const downMs = Math.max(Number(values['down-seconds']), 1) * 1000
/** New sessions per second while the soak fills up (each login is a SCRAM exchange, an upstream login and
 * a store transaction with an audit entry). */
const rampPerSecond = Math.min(Math.max(Number(values.ramp), 1), 1000)
/** store.poolSize of each replica (20 is the gateway's default). */
const poolSize = Math.min(Math.max(Number(values['pool-size']), 1), 200)
const sessionMs = Math.max(Number(values['session-seconds']), 1) * 1000
/** The resource's target.loginTimeout (10s by default in the gateway). On a host with a load average of 20+
 * on 2 cores the gateway and the target's postmaster get a few percent of a core each, and an upstream login
 * (fork, authentication) can take longer than 10 s of wall time: a deployment sizes this to its target. */
const loginTimeout = /^\d+(s|m)$/.test(values['login-timeout']) ? values['login-timeout'] : '30s'
// Gateways log at info into the soak's directory (replica-cluster.ts reads this).
process.env.TASKGATE_TEST_LOG ??= 'info'

interface Kill {
  issuedAt: number
  deadAt: number
}

let soakStartedAt = Date.now()

/** A login that failed or a session that dropped: judged once the balancer's log says which replica had it. */
interface Failure {
  kind: 'login' | 'dropped'
  /** The client's local port (the balancer logs it), undefined when the TCP connection never opened. */
  port: number | undefined
  /** When the attempt began (just before the client's connect), when the client saw its TCP connection
   * open (undefined if never), and when it failed. */
  startedAt: number
  connectedAt: number | undefined
  at: number
  error: string
}

const tally = {
  logins: 0,
  loginAttempts: 0,
  statements: 0,
  failures: [] as Failure[],
}

/** The client's port and when its TCP connection to the balancer opened (kept: a closed socket forgets its
 * port). */
function localPort(client: pg.Client): () => { port: number | undefined; connectedAt: number | undefined } {
  let port: number | undefined
  let connectedAt: number | undefined
  const stream = (client as unknown as { connection: { stream: import('node:net').Socket } }).connection
    .stream
  stream.once('connect', () => {
    port = stream.localPort
    connectedAt = Date.now()
  })
  return () => ({ port, connectedAt })
}

async function session(connection: pg.ClientConfig, until: number) {
  while (Date.now() < until) {
    const startedAt = Date.now()
    const client = new pg.Client({ ...connection, ssl: false })
    client.on('error', () => {})
    const port = localPort(client)
    tally.loginAttempts++
    try {
      await client.connect()
      tally.logins++
    } catch (error) {
      tally.failures.push({ kind: 'login', ...port(), startedAt, at: Date.now(), error: String(error) })
      await sleep(100)
      continue
    }
    const endAt = Math.min(until, Date.now() + sessionMs * (0.5 + Math.random()))
    try {
      while (Date.now() < endAt) {
        await client.query('SELECT v FROM items WHERE id = 1')
        tally.statements++
        await sleep(Math.min(everyMs * (0.5 + Math.random()), Math.max(0, endAt - Date.now())))
      }
      await client.end()
    } catch (error) {
      tally.failures.push({ kind: 'dropped', ...port(), startedAt, at: Date.now(), error: String(error) })
      await client.end().catch(() => {})
    }
  }
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = []
  // Every connection logged: a login refused by the target shows there with its reason. The store and the
  // target run on two servers, as in a deployment (--shared-postgres: one server for both, as in runs 1-11):
  // on one, the target's postmaster forking hundreds of backends for reconnecting sessions delays the
  // store's connections too.
  const settings = ['log_connections=on', 'log_min_messages=info']
  const targetServer = await startBenchPostgres(settings)
  const storeServer = values['shared-postgres'] ? targetServer : await startBenchPostgres(settings)
  const servers = [
    { server: targetServer, log: values['shared-postgres'] ? 'postgresql.log' : 'postgresql-target.log' },
    ...(values['shared-postgres'] ? [] : [{ server: storeServer, log: 'postgresql-store.log' }]),
  ]
  for (const { server } of servers) cleanups.push(() => server.stop())
  let logDir: string | undefined
  // Runs before the servers' stop (cleanups run in reverse): their logs go with the others.
  cleanups.push(async () => {
    if (logDir)
      for (const { server, log } of servers) await copyFile(server.log, join(logDir, log)).catch(() => {})
  })
  try {
    const target = `tg_soak_target_${process.pid}`
    const store = `tg_soak_store_${process.pid}`
    cleanups.push(
      await createBenchDatabase(target, targetServer.port),
      await createBenchDatabase(store, storeServer.port),
    )
    await run('psql', [
      ...['-h', PG.host, '-p', String(targetServer.port), '-U', PG.user, '-d', target],
      ...['-c', 'CREATE TABLE items (id int PRIMARY KEY, v int); INSERT INTO items VALUES (1, 0)'],
    ])
    const dir = await mkdtemp(join(tmpdir(), 'tg-soak-'))
    logDir = dir
    // Kept when the soak fails or with --keep-logs: each replica's gateway.log, haproxy.log, postgresql.log.
    cleanups.push(async () =>
      process.exitCode || values['keep-logs']
        ? console.log(`logs: ${dir}`)
        : rm(dir, { recursive: true, force: true }),
    )
    const storeUrlFile = join(dir, 'store-url')
    await writeFile(storeUrlFile, `postgres://${PG.user}@${PG.host}:${storeServer.port}/${store}`, {
      mode: 0o600,
    })
    const [pa, pb] = [await replicaPorts(), await replicaPorts()]
    const balancerLog = join(dir, 'haproxy.log')
    const lb = await startHaproxy(pa, pb, balancerLog)
    cleanups.push(async () => lb[Symbol.asyncDispose]())
    const common = `
agents:
  - { name: bot, groups: [agents] }
policies:
  - { group: agents, resources: [pg], ceiling: ["*:*"], autoApprove: ["*:*"], maxTtl: 1h }
limits: { sessionsPerGrant: 2000, sessionsPerPrincipal: 2000 }
`
    const storeYaml = `, poolSize: ${poolSize}`
    const resource = `id: pg
kind: postgres
target: { host: ${PG.host}, port: ${targetServer.port}, database: ${target}, user: ${PG.user}, tls: disable, loginTimeout: ${loginTimeout} }`
    const replicas: Replica[] = []
    for (const [name, ports] of [
      ['a', pa],
      ['b', pb],
    ] as const) {
      const o = {
        dir,
        name,
        ports,
        balancer: lb.ports,
        storeUrlFile,
        resource,
        common,
        storeExtra: storeYaml,
      }
      replicas.push(replica(name, await writeReplicaConfig(o), ports, join(dir, name, 'data')))
    }
    cleanups.push(() => stopReplicas(replicas))
    const [a, b] = replicas as [Replica, Replica]
    const storeDb = new pg.Client({ ...PG, port: storeServer.port, database: store })
    await storeDb.connect()
    cleanups.push(() => storeDb.end())
    const processes = new ProcessNames(storeDb)
    await a.start()
    await b.start()
    await processes.learn(a, 'a')
    await processes.learn(b, 'b')
    await balancerSees(lb, ['a', 'b'])
    const agentKey = await readKey(a.dataDir, 'bot')
    const adminKey = await readKey(a.dataDir, 'admin')
    await soak({
      lb,
      targetLog: targetServer.log,
      storeLog: storeServer.log,
      balancerLog,
      agentKey,
      adminKey,
      survivor: a,
      victim: b,
      storeDb,
      processes,
    })
  } catch (error) {
    process.exitCode = 1 // keeps the replicas' logs
    throw error
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => console.error(String(e)))
  }
}

/** Which replica (a, b, b restarted) each gateway process id in the store belongs to. */
class ProcessNames {
  readonly byId = new Map<string, string>()
  readonly #db: pg.Client
  constructor(db: pg.Client) {
    this.#db = db
  }
  /** Waits until `replica`'s running process has registered, then remembers its id as `label`. */
  async learn(replica: Replica, label: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const { rows } = await this.#db.query<{ id: string }>(
        'SELECT id FROM taskgate.gateway_processes WHERE pid = $1',
        [replica.pid],
      )
      if (rows[0]) return void this.byId.set(rows[0].id, label)
      await sleep(100)
    }
    throw new Error(`replica ${label} never registered in the store`)
  }
}

interface SoakInput {
  lb: Balancer
  /** The PostgreSQL servers' log files (the same one when they share a server): their CPU is counted. */
  targetLog: string
  storeLog: string
  balancerLog: string
  agentKey: string
  adminKey: string
  survivor: Replica
  victim: Replica
  storeDb: pg.Client
  processes: ProcessNames
}

/** Cumulative CPU seconds of the host and of the soak's own processes, read at one moment. */
interface CpuReading {
  at: number
  host: number
  driver: number
  gateways: number
  targetPostgres: number
  storePostgres: number
  haproxy: number
}

/** CPU of every part of the soak: the driver (this process: 1,000 clients), the gateways (a killed one counts
 * what it used until its kill), both PostgreSQL servers (backends included), HAProxy, and the host in all. */
function cpuMeter(input: SoakInput) {
  let killedGatewaySeconds = 0
  const read = (): CpuReading => {
    const usage = process.cpuUsage()
    const gateway = (r: Replica) => (r.running ? processCpuSeconds(r.pid) || 0 : 0)
    const target = postgresCpuSeconds(input.targetLog)
    return {
      at: Date.now(),
      host: hostBusySeconds(),
      driver: (usage.user + usage.system) / 1e6,
      gateways: killedGatewaySeconds + gateway(input.survivor) + gateway(input.victim),
      targetPostgres: target,
      storePostgres: input.storeLog === input.targetLog ? 0 : postgresCpuSeconds(input.storeLog),
      haproxy: processCpuSeconds(input.lb.pid) || 0,
    }
  }
  return {
    read,
    /** Call just before killing the victim: what it used stays counted. */
    beforeKill(): number {
      const seconds = processCpuSeconds(input.victim.pid) || 0
      killedGatewaySeconds += seconds
      return seconds
    },
  }
}

/** CPU seconds each part used between two readings; `others` is the rest of the host's work (other jobs). */
function cpuBetween(from: CpuReading, to: CpuReading) {
  const d = (k: Exclude<keyof CpuReading, 'at'>) => +(to[k] - from[k]).toFixed(1)
  const parts = {
    driver: d('driver'),
    gateways: d('gateways'),
    targetPostgres: d('targetPostgres'),
    storePostgres: d('storePostgres'),
    haproxy: d('haproxy'),
  }
  const soakTotal = Object.values(parts).reduce((x, y) => x + y, 0)
  return {
    wallSeconds: +((to.at - from.at) / 1000).toFixed(1),
    hostBusySeconds: d('host'),
    ...parts,
    others: +(d('host') - soakTotal).toFixed(1),
  }
}

async function soak(input: SoakInput) {
  const { lb, agentKey, adminKey, survivor, victim, storeDb, processes } = input
  const api = lb.api
  const loadAtStart = loadavg()
  const meter = cpuMeter(input)
  const res = await fetch(`${api}/v1/grants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resource: 'pg', scope: 'select:*', task: 'replica soak', ttl: '1h' }),
  })
  const { credential } = (await res.json()) as { credential: { connection: pg.ClientConfig } }
  const cpuAtStart = meter.read()
  const startedAt = Date.now()
  soakStartedAt = startedAt
  const until = startedAt + seconds * 1000
  const sessions = Array.from({ length: 2 * perReplica }, async (_, i) => {
    await sleep((i * 1000) / rampPerSecond)
    await session(credential.connection, until)
  })
  await sleep((seconds * 1000) / 2)
  const issuedAt = Date.now()
  // In this order: the reading counts the victim as running, then its CPU stays counted after the kill.
  const cpuAtKill = meter.read()
  const victimCpu = meter.beforeKill()
  await victim.kill('SIGKILL')
  const kill: Kill = { issuedAt, deadAt: Date.now() }
  console.log(`killed replica ${victim.name} at ${Math.round((issuedAt - startedAt) / 1000)} s`)
  await sleep(downMs)
  // A loaded machine can take a while to start Node; the survivor is busy with every session meanwhile.
  const restartingAt = Date.now()
  await victim.start(180_000)
  const restartedAt = Date.now()
  const cpuAtRestart = meter.read()
  console.log(
    `replica ${victim.name} started again at ${Math.round((restartedAt - startedAt) / 1000)} s (start took ${((restartedAt - restartingAt) / 1000).toFixed(1)} s)`,
  )
  await processes.learn(victim, `${victim.name} (restarted)`)
  await Promise.all(sessions)
  const clientsDoneAt = Date.now()
  const cpuAtEnd = meter.read()
  const live = await liveSessionsLeft(storeDb)
  const verify = await fetch(`${api}/v1/audit/verify`, { headers: { authorization: `Bearer ${adminKey}` } })
  const audit = (await verify.json()) as { ok: boolean; entries?: number }
  const replicas = await sessionsPerReplica(storeDb, processes)
  const restarted = replicas[`${victim.name} (restarted)`]
  const servers = await serversByPort(input.balancerLog)
  const judged = judge(tally.failures, servers, victim.name, kill)
  // What the gateways audited as failed logins (the clients above only see their side).
  const { rows: failedLogins } = await storeDb.query<{ reason: string; n: number }>(
    `SELECT left(data->>'reason', 200) AS reason, count(*)::int AS n FROM taskgate.audit_events
     WHERE type = 'login.failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
  )
  const cpu = {
    [survivor.name]: processCpuSeconds(survivor.pid),
    [victim.name]: victimCpu,
    [`${victim.name} (restarted)`]: processCpuSeconds(victim.pid),
  }
  const balancer = lb
    .output()
    .split('\n')
    .filter((line) => /is (DOWN|UP)|no server available/.test(line))
    .map((line) => line.replace(/^\[[A-Z]+\]\s+\(\d+\)\s*:\s*/, '').slice(0, 160))
  report(live, audit, judged, {
    restart: {
      startSeconds: +((restartedAt - restartingAt) / 1000).toFixed(1),
      listeningAtSecond: Math.round((restartedAt - startedAt) / 1000),
      beforeSoakEnd: restartedAt < until,
      sessionsOpenedAfterRestart: restarted?.loginsOk ?? 0,
    },
    replicas,
    /** Each gateway process's CPU seconds over the soak (the victim's until its kill). */
    cpuSeconds: cpu,
    /** Where the host's CPU went: before the kill, from the kill until the restarted replica listened, after. */
    hostCpu: {
      beforeKill: cpuBetween(cpuAtStart, cpuAtKill),
      killToRestarted: cpuBetween(cpuAtKill, cpuAtRestart),
      restartedToEnd: cpuBetween(cpuAtRestart, cpuAtEnd),
    },
    auditedLoginFailures: failedLogins,
    cpuMsPerStatement: +((1000 * Object.values(cpu).reduce((x, y) => x + y, 0)) / tally.statements).toFixed(
      2,
    ),
    balancer,
    secondsTotal: Math.round((Date.now() - startedAt) / 1000),
    secondsToSettle: Math.round((Date.now() - clientsDoneAt) / 1000),
    loadAverage: {
      atStart: loadAtStart.map((l) => +l.toFixed(1)),
      atEnd: loadavg().map((l) => +l.toFixed(1)),
    },
  })
}

/** Sessions each replica opened, and how many of them a survivor ended after the replica's death. */
async function sessionsPerReplica(db: pg.Client, processes: ProcessNames) {
  const { rows } = await db.query<{ process_id: string | null; opened: string; by_survivor: string }>(
    `SELECT process_id, count(*) AS opened,
       count(*) FILTER (WHERE end_reason LIKE 'the gateway process serving it stopped%') AS by_survivor
     FROM taskgate.sessions GROUP BY process_id`,
  )
  return Object.fromEntries(
    rows.map((r) => [
      processes.byId.get(r.process_id ?? '') ?? `process ${r.process_id}`,
      { loginsOk: Number(r.opened), closedBySurvivor: Number(r.by_survivor) },
    ]),
  )
}

async function liveSessionsLeft(db: pg.Client): Promise<number> {
  const count = async () => {
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM taskgate.sessions WHERE ended_at IS NULL',
    )
    return Number(rows[0]?.n)
  }
  for (let i = 0; i < 120; i++) {
    if ((await count()) === 0) return 0
    await sleep(500)
  }
  return count()
}

/** The balancer's connection log (option tcplog): for each client port, when it was accepted and which
 * server took it (`<NOSRV>` when none did). A port may be reused over a soak: kept as a list. */
async function serversByPort(file: string): Promise<Map<number, Array<{ at: number; server: string }>>> {
  const byPort = new Map<number, Array<{ at: number; server: string }>>()
  const text = await readFile(file, 'utf8').catch(() => '')
  // 127.0.0.1:41234 [06/Dec/2026:15:40:01.123] taskgate_postgres taskgate_postgres/b 1/0/61000 ...
  const line = / \S+:(\d+) \[(\d+)\/(\w+)\/(\d+):(\d+):(\d+):(\d+)\.(\d+)\] taskgate_postgres \S+?\/(\S+)/g
  for (const m of text.matchAll(line)) {
    const [, port, day, month, year, h, min, sec, ms, server] = m
    const at = new Date(`${day} ${month} ${year} ${h}:${min}:${sec}.${ms}`).getTime()
    const list = byPort.get(Number(port)) ?? []
    list.push({ at, server: server ?? '' })
    byPort.set(Number(port), list)
  }
  return byPort
}

/** Sorts the clients' failures: the killed replica's own (a login it had accepted before it died, a session
 * it was serving) are expected; any other one fails the soak. */
function judge(
  failures: readonly Failure[],
  servers: Map<number, Array<{ at: number; server: string }>>,
  victim: string,
  kill: Kill,
) {
  const serverOf = (f: Failure) => {
    if (f.port === undefined) return '(no connection)'
    // The balancer's clock is this machine's: this connection's accept lies between the attempt's start and
    // the moment the client saw it open (later by the client's event-loop lag, seconds on a loaded host; a
    // SYN the kernel dropped is resent after 1 s, 3 s...): of the accepts of this port there, the nearest.
    const entries = servers.get(f.port) ?? []
    const seen = f.connectedAt ?? f.startedAt
    let best: { at: number; server: string } | undefined
    for (const e of entries) {
      if (e.at < f.startedAt - 1_000 || e.at > seen + 1_000) continue
      if (!best || Math.abs(e.at - seen) < Math.abs(best.at - seen)) best = e
    }
    return best?.server ?? '(not in the balancer log)'
  }
  const isVictim = (server: string) => server === victim || server === `${victim}-anyway`
  const expected = { logins: 0, drops: 0 }
  const unexpected: string[] = []
  const byServer: Record<string, number> = {}
  for (const f of failures) {
    const server = serverOf(f)
    byServer[`${f.kind} on ${server}`] = (byServer[`${f.kind} on ${server}`] ?? 0) + 1
    // Opened on the victim before its death (so on the killed process, not the restarted one).
    if (isVictim(server) && f.startedAt <= kill.deadAt && f.at >= kill.issuedAt) {
      if (f.kind === 'login') expected.logins++
      else expected.drops++
      continue
    }
    const when = `+${Math.floor((f.at - soakStartedAt) / 1000)} s (port ${f.port}, opened +${((f.startedAt - soakStartedAt) / 1000).toFixed(1)} s)`
    unexpected.push(`${when} ${f.kind} on ${server}: ${f.error.slice(0, 160)}`)
  }
  return { expected, unexpected, byServer }
}

function report(
  live: number,
  audit: { ok: boolean; entries?: number },
  judged: ReturnType<typeof judge>,
  extra: {
    restart: { beforeSoakEnd: boolean; sessionsOpenedAfterRestart: number } & Record<string, unknown>
  } & Record<string, unknown>,
): void {
  const restartServed = extra.restart.beforeSoakEnd && extra.restart.sessionsOpenedAfterRestart > 0
  const passed = judged.unexpected.length === 0 && restartServed && live === 0 && audit.ok
  const summary = {
    sessions: 2 * perReplica,
    seconds,
    loginAttempts: tally.loginAttempts,
    logins: tally.logins,
    statements: tally.statements,
    loginFailuresOnKilledReplica: judged.expected.logins,
    dropsOnKilledReplica: judged.expected.drops,
    failuresOtherwise: judged.unexpected.length,
    failuresByKindAndReplica: judged.byServer,
    liveSessionsLeft: live,
    auditVerifies: audit.ok,
    auditEntries: audit.entries,
    ...extra,
    restartedReplicaServed: restartServed,
    passed,
  }
  console.log(JSON.stringify(summary, null, 2))
  if (!restartServed)
    console.log('FAIL: the restarted replica opened no session before the soak ended (restart not exercised)')
  // Failures outside the kill, by the second they happened in and what the client was told.
  const seen = new Map<string, number>()
  for (const line of judged.unexpected) seen.set(line, (seen.get(line) ?? 0) + 1)
  for (const [line, n] of [...seen].slice(0, 40)) console.log(`${n} x ${line}`)
  if (!passed) process.exitCode = 1
}

await main()
