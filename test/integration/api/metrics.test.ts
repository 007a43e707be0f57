// /metrics scraped for real (Prometheus text format) while psql works through the gateway: sessions per
// resource and protocol, statements by decision and rule, the decision-latency histogram, a held statement
// counted while it waits, grants by state, the recording backlog, event-loop lag; and the health probes:
// live, ready, and not ready (503 naming the store) once the PostgreSQL store cannot be reached.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import pino from 'pino'
import { parseConfigText } from '../../../src/config/load.ts'
import { startGateway } from '../../../src/main.ts'
import { psql } from '../../support/clients/psql.ts'
import { ADMIN_URL, createThrowawayDatabase } from '../../support/postgres.ts'
import {
  callApi,
  type GatewaySetup,
  libpqEnv,
  prepareGateway,
  type RunningGateway,
  requestGrant,
  startInProcess,
} from '../../support/start-full-gateway.ts'

let setup: GatewaySetup
let gw: RunningGateway
let keys: { admin: string; agent: string; approver: string }

// Two notification sinks: one takes approval notifications, one refuses them (a sink error).
const receiver = createServer((req, res) => {
  req.resume()
  req.on('end', () => res.writeHead(req.url === '/refusing' ? 400 : 204).end())
})

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  process.env.TG_TEST_METRICS_WEBHOOK_SECRET = 'metrics-test-webhook-secret-0123456789'
  const target = (id: string) =>
    `    - { id: ${id}, kind: webhook, url: "${base}/${id}", secret: { env: TG_TEST_METRICS_WEBHOOK_SECRET } }`
  setup = await prepareGateway({
    setupSql: 'CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1), (2);',
    extraConfig: `guardrails:
  - id: hold-deletes
    action: approve
    description: deletes wait for a dba
    match: { kinds: [DeleteStmt] }
    approvers: ["{dbas}"]
notifications:
  targets:
${target('accepting')}
${target('refusing')}`,
  })
  gw = await startInProcess(setup)
  keys = await setup.keys()
})
after(async () => {
  await gw?.[Symbol.asyncDispose]()
  await setup?.[Symbol.asyncDispose]()
  receiver.close()
})

/** One sample line's value: `name{labels} value`, the labels given in any order; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const got = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    )
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3])
  }
  return undefined
}

async function scrape(): Promise<string> {
  const res = await fetch(`${gw.api}/metrics`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return res.text()
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(50)
  }
  assert.fail(`not reached in time: ${what}`)
}

test('a scrape counts sessions, statements by decision and rule, decision time, holds and grants', async () => {
  const resource = setup.resourceId
  const { connection } = await requestGrant(gw.api, keys.agent, resource, 'select:*,delete:*,drop:*')
  const env = libpqEnv(connection, gw.resource)
  for (let i = 0; i < 3; i++) assert.equal((await psql(env, 'SELECT count(*) FROM items')).code, 0)
  const dropped = await psql(env, 'DROP TABLE items')
  assert.match(dropped.stderr, /no-destructive-ddl/)

  // A held delete waits on its connection; the gauge shows it until the approver decides.
  const held = spawn('psql', ['-X', '-c', 'DELETE FROM items WHERE id = 1'], { env, stdio: 'pipe' })
  const heldDone = new Promise<number | null>((resolve) => held.on('close', resolve))
  await until(
    async () => sample(await scrape(), 'taskgate_holds_pending', { resource }) === 1,
    'the held statement is counted',
  )
  const pending = await callApi<{ approvals: Array<{ id: string }> }>(
    gw.api,
    keys.approver,
    'GET',
    '/v1/approvals?status=pending',
  )
  assert.equal(pending.body.approvals.length, 1)
  await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${pending.body.approvals[0]!.id}/deny`, {
    reason: 'not now',
  })
  assert.notEqual(await heldDone, 0)

  await until(
    async () => sample(await scrape(), 'taskgate_sessions_live', { resource, protocol: 'postgres' }) === 0,
    'every psql session closed',
  )
  const text = await scrape()
  const on = { resource, protocol: 'postgres' }
  assert.equal(sample(text, 'taskgate_sessions_opened_total', on), 5)
  assert.equal(sample(text, 'taskgate_sessions_closed_total', on), 5)
  assert.equal(sample(text, 'taskgate_actions_total', { ...on, outcome: 'allow', rule: '' }), 3)
  assert.equal(
    sample(text, 'taskgate_actions_total', { ...on, outcome: 'deny', rule: 'guardrail:no-destructive-ddl' }),
    1,
  )
  // The held statement is recorded once, with its final decision: the approver's denial.
  assert.equal(sample(text, 'taskgate_actions_total', { ...on, outcome: 'deny', rule: 'approval' }), 1)
  assert.ok((sample(text, 'taskgate_decision_duration_seconds_count') ?? 0) >= 3, 'decisions are timed')
  assert.equal(
    sample(text, 'taskgate_decision_duration_seconds_bucket', { le: '+Inf' }),
    sample(text, 'taskgate_decision_duration_seconds_count'),
  )
  // The time the gateway added, per resource and protocol: once per allowed statement, none for denials.
  assert.equal(sample(text, 'taskgate_added_latency_seconds_count', on), 3)
  assert.equal(sample(text, 'taskgate_added_latency_seconds_bucket', { ...on, le: '+Inf' }), 3)
  assert.ok((sample(text, 'taskgate_added_latency_seconds_sum', on) ?? -1) > 0)
  assert.equal(sample(text, 'taskgate_holds_pending', { resource }), 0)
  assert.equal(sample(text, 'taskgate_grants', { status: 'active' }), 1)
  assert.equal(sample(text, 'taskgate_grants', { status: 'ended' }), 0)
  assert.ok(sample(text, 'taskgate_recording_backlog') !== undefined)
  // Event-loop lag is measured (a generous bound: a loaded 2-core machine, not a benchmark).
  const lag = sample(text, 'nodejs_eventloop_lag_seconds')
  assert.ok(lag !== undefined && lag >= 0 && lag < 5, `event-loop lag ${lag}`)
  assert.match(text, /^# TYPE taskgate_store_errors_total counter$/m)
  // The hold's notifications (requested, then denied) reached one sink and were refused by the other.
  await until(async () => {
    const now = await scrape()
    return (
      sample(now, 'taskgate_notifications_total', { target: 'accepting', outcome: 'delivered' }) === 2 &&
      sample(now, 'taskgate_notifications_total', { target: 'refusing', outcome: 'rejected' }) === 2
    )
  }, 'notification outcomes are counted per target')
  // Labels never carry principals, tasks, statement text or credentials.
  assert.ok(!text.includes(connection.user) && !text.includes(setup.agentName) && !text.includes('items'))
})

test('added latency leaves out the wait for a person: an approved statement runs but is not observed', async () => {
  const resource = setup.resourceId
  const on = { resource, protocol: 'postgres' }
  const before = await scrape()
  const counted = (text: string) => sample(text, 'taskgate_added_latency_seconds_count', on) ?? 0
  const allowed = (text: string) =>
    sample(text, 'taskgate_actions_total', { ...on, outcome: 'allow', rule: '' }) ?? 0
  const { connection } = await requestGrant(gw.api, keys.agent, resource, 'select:*,delete:*')
  const client = new pg.Client({ ...connection, host: gw.resource.host, port: gw.resource.port, ssl: false })
  await client.connect()
  try {
    await client.query('SELECT 1')
    const held = client.query('DELETE FROM items WHERE id = 2')
    let approvalId: string | undefined
    await until(async () => {
      const { body } = await callApi<{ approvals: Array<{ id: string }> }>(
        gw.api,
        keys.approver,
        'GET',
        '/v1/approvals?status=pending',
      )
      approvalId = body.approvals[0]?.id
      return approvalId !== undefined
    }, 'the delete is held')
    await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${approvalId}/approve`, { reason: 'fine' })
    await held
  } finally {
    await client.end()
  }
  const after = await scrape()
  assert.equal(allowed(after) - allowed(before), 2, 'both statements ran')
  assert.equal(counted(after) - counted(before), 1, 'only the one that did not wait for a person')
})

test('live and ready answer 200 with every check ok', async () => {
  const live = await fetch(`${gw.api}/v1/health/live`)
  assert.equal(live.status, 200)
  assert.deepEqual(await live.json(), { status: 'ok' })
  const ready = await fetch(`${gw.api}/v1/health/ready`)
  assert.equal(ready.status, 200)
  assert.deepEqual(await ready.json(), {
    status: 'ready',
    checks: { store: 'ok', migrations: 'ok', listeners: 'ok' },
  })
  assert.equal((await fetch(`${gw.api}/v1/health`)).status, 200, 'the old health route stays')
})

test('ready is 503 naming the store once the PostgreSQL store refuses connections; live stays 200', async () => {
  const storeDb = await createThrowawayDatabase('tg_ready')
  const shared = await prepareGateway({ storeUrl: storeDb.url })
  const running = await startInProcess(shared)
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    assert.equal((await fetch(`${running.api}/v1/health/ready`)).status, 200)
    await admin.query(`ALTER DATABASE ${storeDb.name} ALLOW_CONNECTIONS false`)
    // The gateway's connections go; the test's own (which created the database) stays.
    const own = (await storeDb.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2',
      [storeDb.name, own],
    )
    const ready = await fetch(`${running.api}/v1/health/ready`)
    assert.equal(ready.status, 503)
    const body = (await ready.json()) as { status: string; checks: Record<string, string> }
    assert.equal(body.status, 'not-ready')
    assert.notEqual(body.checks.store, 'ok')
    assert.equal(body.checks.listeners, 'ok')
    assert.equal((await fetch(`${running.api}/v1/health/live`)).status, 200)
    const text = await (await fetch(`${running.api}/metrics`)).text()
    assert.ok((sample(text, 'taskgate_store_errors_total', { operation: 'health' }) ?? 0) >= 1, text)
  } finally {
    await admin.query(`ALTER DATABASE ${storeDb.name} ALLOW_CONNECTIONS true`).catch(() => {})
    await admin.end()
    await Promise.resolve(running[Symbol.asyncDispose]()).catch(() => {})
    await shared[Symbol.asyncDispose]()
    await storeDb[Symbol.asyncDispose]()
  }
})

test('every metric the Grafana dashboard queries is one a scrape exposes', async () => {
  const dashboard = JSON.parse(
    await readFile(new URL('../../../deploy/grafana/taskgate-dashboard.json', import.meta.url), 'utf8'),
  ) as { panels: Array<{ targets: Array<{ expr: string }> }> }
  const exposed = new Set([...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]))
  const queried = new Set(
    dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) =>
        [...t.expr.matchAll(/\b((?:taskgate|nodejs|process)_\w+)/g)].map((m) => m[1]!),
      ),
    ),
  )
  assert.ok(queried.size >= 10, [...queried].join(', '))
  for (const name of queried) {
    const base = name.replace(/_(bucket|sum|count)$/, '')
    assert.ok(exposed.has(name) || exposed.has(base), `the dashboard queries ${name}, which no scrape has`)
  }
})

test('with api.metricsToken, a scrape needs that bearer token', async () => {
  const tokenFile = join(setup.dir, 'metrics-token')
  await writeFile(tokenFile, 'scrape-me-0123456789\n', { mode: 0o600 })
  const config = parseConfigText(
    `
store: { dir: ${JSON.stringify(join(setup.dir, 'data-token'))} }
api: { listen: { host: 127.0.0.1, port: 0 }, metricsToken: { file: ${JSON.stringify(tokenFile)} } }
resources: []
`,
    'token.yaml',
  )
  const gateway = await startGateway({ config, logger: pino({ level: 'silent' }) })
  try {
    const url = `${gateway.api.url}/metrics`
    const anonymous = await fetch(url)
    assert.equal(anonymous.status, 401)
    assert.equal(((await anonymous.json()) as { code: string }).code, 'TG_AUTH_INVALID')
    const wrong = await fetch(url, { headers: { authorization: 'Bearer scrape-me-012345678' } })
    assert.equal(wrong.status, 401)
    const right = await fetch(url, { headers: { authorization: 'Bearer scrape-me-0123456789' } })
    assert.equal(right.status, 200)
    assert.match(await right.text(), /^# TYPE taskgate_actions_total counter$/m)
    assert.equal((await fetch(`${gateway.api.url}/v1/health/ready`)).status, 200, 'the probes stay open')
  } finally {
    await gateway.close()
  }
})
