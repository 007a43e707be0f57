// Replica soak (issue #17): two gateways sharing one PostgreSQL store behind HAProxy
// (deploy/haproxy/haproxy.cfg), `--per-replica` sessions each held open through the balancer for
// `--seconds`, every session running a statement about every `--every-ms`; halfway one replica is SIGKILLed
// and started again `--down-seconds` later. A session that loses its connection logs in again at once.
// Pass: no failed login except attempts in flight on the killed replica when it died, no session dropped
// except at the kill, no live session left in the store after the clients close, the audit chain verifies.
// Too heavy for `npm test` (1,000 upstream connections): run by hand, figures in README "Replicas".
//   node bench/replica-soak.ts [--per-replica 500] [--seconds 120] [--every-ms 1000] [--down-seconds 5]
//     [--ramp 25] (logins per second while filling up) [--pool-size 20] (each replica's store.poolSize)
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
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
import { createBenchDatabase, PG, run, startBenchPostgres } from './support.ts'

const { values } = parseArgs({
  options: {
    'per-replica': { type: 'string', default: '500' },
    seconds: { type: 'string', default: '120' },
    'every-ms': { type: 'string', default: '1000' },
    'down-seconds': { type: 'string', default: '5' },
    ramp: { type: 'string', default: '25' },
    'pool-size': { type: 'string', default: '20' },
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

interface Kill {
  issuedAt: number
  deadAt: number
}

let soakStartedAt = Date.now()
const stamp = () => `+${((Date.now() - soakStartedAt) / 1000).toFixed(1)} s`

const tally = {
  logins: 0,
  /** Logins that failed while overlapping the kill (in flight to the dying replica). */
  loginFailuresAtKill: 0,
  loginFailures: [] as string[],
  statements: 0,
  dropsAtKill: 0,
  drops: [] as string[],
}

/** A failure at `at` belongs to the kill when it falls between the SIGKILL and a moment after the death
 * (the client notices a dead peer on its next read). */
const atKill = (kill: Kill | undefined, at: number) =>
  kill !== undefined && at >= kill.issuedAt && at <= kill.deadAt + 2_000

async function session(connection: pg.ClientConfig, until: number, kill: () => Kill | undefined) {
  while (Date.now() < until) {
    const startedAt = Date.now()
    const client = new pg.Client({ ...connection, ssl: false })
    client.on('error', () => {})
    try {
      await client.connect()
      tally.logins++
    } catch (error) {
      const k = kill()
      if (k && startedAt <= k.deadAt && Date.now() >= k.issuedAt) tally.loginFailuresAtKill++
      else tally.loginFailures.push(`${stamp()} login: ${String(error)}`)
      await sleep(100)
      continue
    }
    try {
      while (Date.now() < until) {
        await client.query('SELECT v FROM items WHERE id = 1')
        tally.statements++
        await sleep(everyMs * (0.5 + Math.random()))
      }
      await client.end()
    } catch (error) {
      if (atKill(kill(), Date.now())) tally.dropsAtKill++
      else tally.drops.push(`${stamp()} dropped: ${String(error)}`)
      await client.end().catch(() => {})
    }
  }
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = []
  const pgServer = await startBenchPostgres()
  cleanups.push(() => pgServer.stop())
  try {
    const target = `tg_soak_target_${process.pid}`
    const store = `tg_soak_store_${process.pid}`
    cleanups.push(await createBenchDatabase(target), await createBenchDatabase(store))
    await run('psql', [
      ...['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', target],
      ...['-c', 'CREATE TABLE items (id int PRIMARY KEY, v int); INSERT INTO items VALUES (1, 0)'],
    ])
    const dir = await mkdtemp(join(tmpdir(), 'tg-soak-'))
    // Kept when the soak fails: each replica's gateway.log is there.
    cleanups.push(async () =>
      process.exitCode ? console.log(`logs: ${dir}`) : rm(dir, { recursive: true, force: true }),
    )
    const storeUrlFile = join(dir, 'store-url')
    await writeFile(storeUrlFile, `postgres://${PG.user}@${PG.host}:${PG.port}/${store}`, { mode: 0o600 })
    const [pa, pb] = [await replicaPorts(), await replicaPorts()]
    const lb = await startHaproxy(pa, pb)
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
target: { host: ${PG.host}, port: ${PG.port}, database: ${target}, user: ${PG.user}, tls: disable }`
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
    const storeDb = new pg.Client({ ...PG, database: store })
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
    await soak({ lb, agentKey, adminKey, survivor: a, victim: b, storeDb, processes })
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
  agentKey: string
  adminKey: string
  survivor: Replica
  victim: Replica
  storeDb: pg.Client
  processes: ProcessNames
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function soak({ lb, agentKey, adminKey, survivor, victim, storeDb, processes }: SoakInput) {
  const api = lb.api
  const loadAtStart = loadavg()
  const res = await fetch(`${api}/v1/grants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resource: 'pg', scope: 'select:*', task: 'replica soak', ttl: '1h' }),
  })
  const { credential } = (await res.json()) as { credential: { connection: pg.ClientConfig } }
  const startedAt = Date.now()
  soakStartedAt = startedAt
  const until = startedAt + seconds * 1000
  let kill: Kill | undefined
  const sessions = Array.from({ length: 2 * perReplica }, async (_, i) => {
    await sleep((i * 1000) / rampPerSecond)
    await session(credential.connection, until, () => kill)
  })
  await sleep((seconds * 1000) / 2)
  const issuedAt = Date.now()
  // Known before the signal: failures seen while the process dies belong to the kill.
  kill = { issuedAt, deadAt: Number.POSITIVE_INFINITY }
  const victimCpu = await cpuSeconds(victim.pid)
  await victim.kill('SIGKILL')
  kill = { issuedAt, deadAt: Date.now() }
  console.log(`killed replica ${victim.name} at ${Math.round((issuedAt - startedAt) / 1000)} s`)
  await sleep(downMs)
  // A loaded machine can take a while to start Node; the survivor is busy with every session meanwhile.
  await victim.start(180_000)
  console.log(`replica ${victim.name} started again at ${Math.round((Date.now() - startedAt) / 1000)} s`)
  await processes.learn(victim, `${victim.name} (restarted)`)
  await Promise.all(sessions)
  const clientsDoneAt = Date.now()
  const live = await liveSessionsLeft(storeDb)
  const verify = await fetch(`${api}/v1/audit/verify`, { headers: { authorization: `Bearer ${adminKey}` } })
  const audit = (await verify.json()) as { ok: boolean; entries?: number }
  const replicas = await sessionsPerReplica(storeDb, processes)
  // What the gateways audited as failed logins (the clients above only see their side).
  const { rows: failedLogins } = await storeDb.query<{ reason: string; n: number }>(
    `SELECT left(data->>'reason', 200) AS reason, count(*)::int AS n FROM taskgate.audit_events
     WHERE type = 'login.failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
  )
  const cpu = {
    [survivor.name]: await cpuSeconds(survivor.pid),
    [victim.name]: victimCpu,
    [`${victim.name} (restarted)`]: await cpuSeconds(victim.pid),
  }
  const balancer = lb
    .output()
    .split('\n')
    .filter((line) => /is (DOWN|UP)|no server available/.test(line))
    .map((line) => line.replace(/^\[[A-Z]+\]\s+\(\d+\)\s*:\s*/, '').slice(0, 160))
  report(live, audit, {
    replicas,
    /** Each gateway process's CPU seconds over the soak (the victim's until its kill). */
    cpuSeconds: cpu,
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

function report(
  live: number,
  audit: { ok: boolean; entries?: number },
  extra: Record<string, unknown>,
): void {
  const passed = tally.loginFailures.length === 0 && tally.drops.length === 0 && live === 0 && audit.ok
  const summary = {
    sessions: 2 * perReplica,
    seconds,
    logins: tally.logins,
    statements: tally.statements,
    loginFailuresAtKill: tally.loginFailuresAtKill,
    dropsAtKill: tally.dropsAtKill,
    loginFailuresOtherwise: tally.loginFailures.length,
    dropsOtherwise: tally.drops.length,
    liveSessionsLeft: live,
    auditVerifies: audit.ok,
    auditEntries: audit.entries,
    ...extra,
    passed,
  }
  console.log(JSON.stringify(summary, null, 2))
  // Failures outside the kill, by the second they happened in and what the client was told.
  const seen = new Map<string, number>()
  for (const line of [...tally.loginFailures, ...tally.drops]) {
    const key = line.replace(/^\+(\d+)\.\d s/, '+$1 s')
    seen.set(key, (seen.get(key) ?? 0) + 1)
  }
  for (const [line, n] of [...seen].slice(0, 40)) console.log(`${n} x ${line}`)
  if (!passed) process.exitCode = 1
}

await main()
