// A gateway with `workers: 2` (src/workers.ts) as `node src/main.ts` runs it: both processes serve the one
// resource port, a revoke through the API closes the sessions of both within 1 s, a held statement in either
// is released by an approval through the primary's API (embedded store: events cross over IPC), /metrics
// sums both processes, a
// CancelRequest reaching the other process still cancels, and the worker dies with the primary.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { connect as connectTcp } from 'node:net'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { callApi, type GatewaySetup, prepareGateway, requestGrant } from '../../support/start-full-gateway.ts'

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url))
const SESSIONS = 20

let setup: GatewaySetup
let child: ChildProcess
let exited: Promise<void>
let api: string
let port: number
/** pino lines of all gateway processes (the workers share the primary's stdout). */
const logs: Array<Record<string, unknown>> = []
let keys: { admin: string; agent: string; approver: string }

before(async () => {
  setup = await prepareGateway({
    setupSql: 'CREATE TABLE public.items (id int PRIMARY KEY, v int); INSERT INTO items VALUES (1, 0);',
    extraConfig: `workers: 2
guardrails:
  - { id: no-unbounded-write, action: approve, description: "a write to every row needs a DBA", approvers: [{dbas}] }
`,
  })
  child = spawn(process.execPath, [MAIN, '--config', setup.configPath], {
    env: { ...process.env, TASKGATE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  exited = new Promise((resolve) => child.on('close', () => resolve()))
  let pending = ''
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not start')), 150_000)
    child.stdout!.on('data', (d: Buffer) => {
      pending += d.toString()
      const lines = pending.split('\n')
      pending = lines.pop()!
      for (const line of lines) {
        if (line.startsWith('{')) logs.push(JSON.parse(line))
        api ??= /control plane at (\S+)/.exec(line)?.[1] as string
        const at = /resource \S+ at [^:\s]+:(\d+)/.exec(line)
        if (at) {
          port = Number(at[1])
          clearTimeout(timer)
          resolve()
        }
      }
    })
    child.on('close', (code) => reject(new Error(`gateway exited (${code})`)))
  })
  await started
  keys = await setup.keys()
})

after(async () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  await exited
  await setup?.[Symbol.asyncDispose]()
})

async function connect(connection: { user: string; password: string }): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: connection.user,
    password: connection.password,
    database: setup.db.name,
    ssl: false,
  })
  await client.connect()
  return client
}

const workerOf = (sessionId: string) =>
  logs.find((l) => l.msg === 'session started' && l.sessionId === sessionId)?.worker

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 5_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The session ids of the grant, from the API, newest first. */
async function sessionIds(grantId: string): Promise<string[]> {
  const res = await callApi<{ sessions: Array<{ id: string }> }>(
    api,
    keys.admin,
    'GET',
    `/v1/sessions?grant=${grantId}`,
  )
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.sessions.map((s) => s.id)
}

test('sessions land on both processes, and a revoke through the API closes all of them within 1 s', async () => {
  const { grantId, connection } = await requestGrant(api, keys.agent, setup.resourceId, 'select:*')
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => connect(connection)))
  const closed = clients.map(
    (c) =>
      new Promise<string>((resolve) => {
        c.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message))
        c.on('end', () => resolve('end'))
      }),
  )
  for (const c of clients) assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1)
  const ids = await sessionIds(grantId)
  assert.equal(ids.length, SESSIONS)
  const workers = await Promise.all(ids.map((id) => waitFor(`the log of ${id}`, () => workerOf(id))))
  assert.deepEqual(new Set(workers), new Set([0, 1]), `sessions per worker: ${workers.join(',')}`)
  // The primary's /metrics adds up both processes: every session and statement, wherever it ran.
  const scraped = await (await fetch(`${api}/metrics`)).text()
  const on = `resource="${setup.resourceId}",protocol="postgres"`
  assert.match(scraped, new RegExp(`^taskgate_sessions_opened_total\\{${on}\\} ${SESSIONS}$`, 'm'))
  assert.match(scraped, new RegExp(`^taskgate_sessions_live\\{${on}\\} ${SESSIONS}$`, 'm'))
  assert.match(
    scraped,
    new RegExp(`^taskgate_actions_total\\{${on},outcome="allow",rule=""\\} ${SESSIONS}$`, 'm'),
  )
  assert.match(scraped, /^taskgate_grants\{status="active"\} 1$/m, 'store-wide numbers are not summed')

  const revoked = await callApi(api, keys.admin, 'POST', `/v1/grants/${grantId}/revoke`, {
    reason: 'incident 7: stop the task',
  })
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body))
  const at = Date.now()
  const results = await Promise.race([
    Promise.all(closed),
    new Promise<'still open'>((r) => setTimeout(() => r('still open'), 1_000)),
  ])
  assert.notEqual(results, 'still open', `sessions still open after ${Date.now() - at} ms`)
  assert.ok(
    (results as string[]).every((r) => r === '57P01' || r === 'end'),
    String(results),
  )
  for (const c of clients) await c.end().catch(() => {})
})

test('a statement held in either process is released by an approval through the API within 1 s', async () => {
  const { connection } = await requestGrant(api, keys.agent, setup.resourceId, 'select:*,update:*')
  const seen = new Set<unknown>()
  // New connections until one landed on each process (the kernel spreads them by address hash).
  for (let tries = 0; seen.size < 2 && tries < 40; tries++) {
    const before = startedSessions().length
    const client = await connect(connection)
    const notices: string[] = []
    client.on('notice', (n) => notices.push(n.message ?? ''))
    // Connections open one at a time: the next session log line is this client's.
    const worker = await waitFor('the session log', () => startedSessions()[before]?.worker)
    if (seen.has(worker)) {
      await client.end()
      continue
    }
    seen.add(worker)
    const update = client.query('UPDATE items SET v = v + 1 RETURNING v')
    const approvalId = await waitFor(
      'the approval notice',
      () => /approval (\S+)/.exec(notices[0] ?? '')?.[1],
    )
    const approved = await callApi(api, keys.approver, 'POST', `/v1/approvals/${approvalId}/approve`, {
      reason: 'checked the worker',
    })
    assert.equal(approved.status, 200, JSON.stringify(approved.body))
    const at = Date.now()
    await update
    assert.ok(Date.now() - at < 1_000, `worker ${worker}: released after ${Date.now() - at} ms`)
    await client.end()
  }
  assert.equal(seen.size, 2)
})

const startedSessions = () => logs.filter((l) => l.msg === 'session started')

test('a CancelRequest reaching either process cancels the query', async () => {
  const { connection } = await requestGrant(
    api,
    keys.agent,
    setup.resourceId,
    'select:*,execute:pg_catalog.pg_sleep',
  )
  // Each CancelRequest comes on a new connection the kernel hands to either process: over six, some reach
  // the process that does not hold the session (a miss is 1 in 64).
  for (let i = 0; i < 6; i++) {
    const client = await connect(connection)
    const sleeping = client.query('SELECT pg_sleep(30)').then(
      () => 'finished',
      (error: Error & { code?: string }) => error.code,
    )
    await new Promise((r) => setTimeout(r, 200))
    const started = Date.now()
    await sendCancelRequest(client as pg.Client & { processID: number; secretKey: number })
    assert.equal(await sleeping, '57014', `cancel ${i}`)
    assert.ok(Date.now() - started < 3_000)
    await client.end()
  }
})

test('the worker exits when the primary is killed outright', async () => {
  const workerPid = await waitFor('a worker log line', () => logs.find((l) => l.worker === 1)?.pid as number)
  child.kill('SIGKILL')
  await exited
  await waitFor('the worker to exit', () => (isAlive(workerPid) ? undefined : true), 5_000)
})

/** CancelRequest (protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS) with the key the gateway gave. */
async function sendCancelRequest(client: { processID: number; secretKey: number }): Promise<void> {
  const packet = Buffer.alloc(16)
  packet.writeInt32BE(16, 0)
  packet.writeInt32BE(80877102, 4)
  packet.writeInt32BE(client.processID, 8)
  packet.writeInt32BE(client.secretKey, 12)
  await new Promise<void>((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.end(packet))
    socket.on('close', () => resolve())
    socket.on('error', reject)
  })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
