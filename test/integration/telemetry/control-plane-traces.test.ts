// Traces of the control plane as a collector receives them: the gateway's real OTLP/HTTP exporter sends to a
// stand-in receiver (test/support/otlp-trace-receiver.ts decodes the protobuf), while a real API client and a
// real PostgreSQL driver go through a grant request carrying a W3C traceparent, logins (one refused),
// masked and plain reads, an approval of a grant and of a held DELETE, a revocation and an expiry. It checks
// span names, route templates, attributes, the parent/child links, the resource, and that no secret, token,
// statement text or masked value left the gateway in any byte it exported.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import packageJson from '../../../package.json' with { type: 'json' }
import {
  type OtlpTraceReceiver,
  type ReceivedSpan,
  startOtlpTraceReceiver,
} from '../../support/otlp-trace-receiver.ts'
import { callApi } from '../../support/start-full-gateway.ts'
import { startTracedGateway, type TracedGateway } from '../../support/traced-gateway.ts'

const marker = randomBytes(4).toString('hex')
const email = `tg-person-${marker}@example.com`
const statement = `SELECT 'tg-statement-${marker}' AS said`
const task = `tg-task-${marker}: look at the customers`
const incomingTraceId = randomBytes(16).toString('hex')
const incomingSpanId = randomBytes(8).toString('hex')

let receiver: OtlpTraceReceiver
let gw: TracedGateway
let spans: ReceivedSpan[]
/** Everything secret or private the flow handled, none of which may be exported. */
const secrets: string[] = [email, `tg-statement-${marker}`, task, 'DELETE FROM customers']
const ids: Record<string, string> = {}

interface Credential {
  username: string
  password: string
  connection: { host: string; port: number; database: string }
}

function client(credential: Credential, password = credential.password) {
  return new pg.Client({
    host: credential.connection.host,
    port: credential.connection.port,
    database: credential.connection.database,
    user: credential.username,
    password,
  })
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await probe()
    if (value !== undefined) return value
    await sleep(50)
  }
  throw new Error(`gave up waiting for ${what}`)
}

before(async () => {
  receiver = await startOtlpTraceReceiver()
  process.env[`TG_TEST_OTLP_AUTH_${marker}`] = `Bearer tg-collector-token-${marker}`
  gw = await startTracedGateway({
    traces: `{ enabled: true, endpoint: "${receiver.url}", protocol: http/protobuf, scheduledDelay: 1s,
      authorization: { env: TG_TEST_OTLP_AUTH_${marker} } }`,
    setupSql: `CREATE TABLE customers (id int primary key, email text);
      INSERT INTO customers VALUES (1, '${email}'), (2, 'other-${marker}@example.com');`,
  })
  secrets.push(gw.keys.admin, gw.keys.agent, gw.keys.dba)
  const { agent, dba } = gw.keys

  // 1. A grant request continuing the caller's trace.
  const requested = await fetch(`${gw.api}/v1/grants`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${agent}`,
      'content-type': 'application/json',
      traceparent: `00-${incomingTraceId}-${incomingSpanId}-01`,
    },
    body: JSON.stringify({ resource: gw.resourceId, scope: 'select:public.*', task, ttl: '10m' }),
  })
  assert.equal(requested.status, 201)
  const active = (await requested.json()) as { grant: { id: string }; credential: Credential }
  ids.active = active.grant.id
  secrets.push(active.credential.password)

  // 2. Logins on the data path: one refused, one that reads a masked column and runs a statement.
  const wrong = client(active.credential, `tgc_wrong_${marker}`)
  await assert.rejects(wrong.connect())
  await wrong.end().catch(() => {})
  const reader = client(active.credential)
  await reader.connect()
  const masked = await reader.query('SELECT email FROM customers WHERE id = 1')
  const shown = String(masked.rows[0].email)
  assert.notEqual(shown, email, 'the e-mail left the gateway masked')
  secrets.push(shown)
  assert.equal((await reader.query(statement)).rows[0].said, `tg-statement-${marker}`)
  await reader.end()

  // 3. A grant that needs the dba, approved; its DELETE is held and approved too.
  const pending = await callApi<{ grant: { id: string; status: string } }>(
    gw.api,
    agent,
    'POST',
    '/v1/grants',
    {
      resource: gw.resourceId,
      scope: 'select:public.*,delete:public.customers',
      task,
    },
  )
  assert.equal(pending.body.grant.status, 'pending')
  ids.approved = pending.body.grant.id
  const grantApproval = await until('the grant approval', async () => {
    const list = await callApi<{ approvals: Array<{ id: string; subject: string; grantId: string }> }>(
      gw.api,
      dba,
      'GET',
      '/v1/approvals?status=pending',
    )
    return list.body.approvals.find((a) => a.grantId === ids.approved && a.subject === 'grant')
  })
  ids.grantApproval = grantApproval.id
  const approved = await callApi(gw.api, dba, 'POST', `/v1/approvals/${grantApproval.id}/approve`, {
    reason: 'fine',
  })
  assert.equal(approved.status, 200)
  const issued = await callApi<Credential>(gw.api, agent, 'POST', `/v1/grants/${ids.approved}/credential`)
  assert.equal(issued.status, 200)
  secrets.push(issued.body.password)
  const writer = client(issued.body)
  await writer.connect()
  const deleting = writer.query('DELETE FROM customers WHERE id = 2')
  const actionApproval = await until('the held DELETE', async () => {
    const list = await callApi<{ approvals: Array<{ id: string; subject: string; grantId: string }> }>(
      gw.api,
      dba,
      'GET',
      '/v1/approvals?status=pending',
    )
    return list.body.approvals.find((a) => a.grantId === ids.approved && a.subject === 'action')
  })
  ids.actionApproval = actionApproval.id
  await callApi(gw.api, dba, 'POST', `/v1/approvals/${actionApproval.id}/approve`, { reason: 'only id 2' })
  assert.equal((await deleting).rowCount, 1)
  await writer.end()

  // 4. A revocation, and a grant left to expire.
  const revoked = await callApi(gw.api, gw.keys.admin, 'POST', `/v1/grants/${ids.approved}/revoke`, {
    reason: 'task done',
  })
  assert.equal(revoked.status, 200)
  const short = await callApi<{ grant: { id: string } }>(gw.api, agent, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: 'select:public.*',
    task,
    ttl: '1s',
  })
  ids.expiring = short.body.grant.id
  await until('the grant to expire', async () => {
    const grant = await callApi<{ status: string }>(gw.api, agent, 'GET', `/v1/grants/${ids.expiring}`)
    return grant.body.status === 'ended' ? true : undefined
  })
  // Exports are counted in /metrics.
  await until('a counted export', async () => {
    const text = await (await fetch(`${gw.api}/metrics`)).text()
    const exported = Number(/^taskgate_trace_spans_total\{result="exported"\} (\d+)$/m.exec(text)?.[1] ?? 0)
    return exported > 0 ? true : undefined
  })
  // Stopping exports what is still queued.
  await gw.close()
  spans = receiver.spans
  if (process.env.TASKGATE_TEST_SHOW_SPANS)
    for (const s of spans)
      console.log(
        s.traceId.slice(0, 6),
        s.spanId.slice(0, 6),
        s.parentSpanId.slice(0, 6),
        s.name,
        JSON.stringify(s.attributes),
      )
})

after(async () => {
  await gw?.[Symbol.asyncDispose]()
  await receiver?.[Symbol.asyncDispose]()
})

const named = (name: string) => spans.filter((s) => s.name === name)
const one = (name: string, match: (s: ReceivedSpan) => boolean = () => true) => {
  const found = named(name).filter(match)
  assert.equal(found.length, 1, `one ${name} span (${spans.map((s) => s.name).join(', ')})`)
  return found[0]!
}

test('the API request continues the incoming traceparent; the grant request and its store calls are its children', () => {
  const request = one('POST /v1/grants', (s) => s.traceId === incomingTraceId)
  assert.equal(request.parentSpanId, incomingSpanId)
  assert.equal(request.kind, 2, 'a SERVER span')
  assert.equal(request.attributes['http.request.method'], 'POST')
  assert.equal(request.attributes['http.route'], '/v1/grants')
  assert.equal(request.attributes['http.response.status_code'], 201)
  const grant = one('taskgate.grant.request', (s) => s.traceId === incomingTraceId)
  assert.equal(grant.parentSpanId, request.spanId)
  assert.equal(grant.attributes['taskgate.grant.id'], ids.active)
  assert.equal(grant.attributes['taskgate.resource.id'], gw.resourceId)
  assert.equal(grant.attributes['taskgate.protocol'], 'postgres')
  assert.equal(grant.attributes['taskgate.outcome'], 'active')
  assert.equal(grant.attributes['taskgate.principal.kind'], 'agent')
  const storeCalls = spans.filter((s) => s.parentSpanId === grant.spanId && s.name.startsWith('store '))
  assert.ok(storeCalls.length > 0, 'store calls of the grant request are its children')
  for (const call of storeCalls) {
    assert.equal(call.traceId, incomingTraceId)
    assert.equal(call.attributes['db.system.name'], 'sqlite')
    assert.match(String(call.attributes['db.operation.name']), /^([a-zA-Z]+\.[a-zA-Z]+|publish)$/)
  }
  // The authentication of the request ran inside its span too.
  assert.ok(spans.some((s) => s.parentSpanId === request.spanId && s.name.startsWith('store ')))
})

test('API spans are named by route template, never by a raw path with ids', () => {
  const revoke = one('POST /v1/grants/:id/revoke')
  assert.equal(revoke.attributes['http.route'], '/v1/grants/:id/revoke')
  assert.equal(revoke.attributes['http.response.status_code'], 200)
  assert.equal(revoke.parentSpanId, '', 'no traceparent: a root span')
  const child = one('taskgate.grant.revoke')
  assert.equal(child.parentSpanId, revoke.spanId)
  assert.equal(child.attributes['taskgate.grant.id'], ids.approved)
  assert.equal(child.attributes['taskgate.outcome'], 'revoked')
  assert.equal(child.attributes['taskgate.principal.kind'], 'service')
  for (const span of spans.filter((s) => s.kind === 2)) {
    for (const id of Object.values(ids)) {
      assert.ok(!span.name.includes(id), `${span.name} names no id`)
      assert.ok(!String(span.attributes['http.route']).includes(id))
    }
  }
  assert.ok(named('GET /v1/grants/:id').length > 0, 'the polls of one grant share one name')
})

test('approvals of a grant request and of a held statement, and the hold itself', () => {
  const grant = one(
    'taskgate.approval.approve',
    (s) => s.attributes['taskgate.approval.id'] === ids.grantApproval,
  )
  assert.equal(grant.attributes['taskgate.approval.subject'], 'grant')
  assert.equal(grant.attributes['taskgate.grant.id'], ids.approved)
  assert.equal(grant.attributes['taskgate.outcome'], 'approved')
  const parent = spans.find((s) => s.spanId === grant.parentSpanId)
  assert.equal(parent?.name, 'POST /v1/approvals/:id/approve')
  const action = one(
    'taskgate.approval.approve',
    (s) => s.attributes['taskgate.approval.id'] === ids.actionApproval,
  )
  assert.equal(action.attributes['taskgate.approval.subject'], 'action')
  const hold = one('taskgate.action.hold')
  assert.equal(hold.attributes['taskgate.approval.id'], ids.actionApproval)
  assert.equal(hold.attributes['taskgate.grant.id'], ids.approved)
  assert.equal(hold.attributes['taskgate.protocol'], 'postgres')
  assert.equal(hold.attributes['taskgate.outcome'], 'held')
  assert.ok(hold.attributes['taskgate.session.id'])
})

test('data-path logins: resource, protocol, outcome, and the refusal code', () => {
  const logins = named('taskgate.login')
  const succeeded = logins.filter((s) => s.attributes['taskgate.outcome'] === 'succeeded')
  assert.deepEqual(
    succeeded.map((s) => s.attributes['taskgate.grant.id']).sort(),
    [ids.active, ids.approved].sort(),
  )
  for (const login of logins) {
    assert.equal(login.attributes['taskgate.resource.id'], gw.resourceId)
    assert.equal(login.attributes['taskgate.protocol'], 'postgres')
    assert.equal(login.parentSpanId, '', 'a login starts its own trace')
  }
  const refused = logins.filter((s) => s.attributes['taskgate.outcome'] !== 'succeeded')
  assert.ok(refused.length >= 1, 'the wrong password is a login span')
  assert.ok(refused.some((s) => s.statusCode === 2))
  assert.ok(refused.some((s) => String(s.attributes['taskgate.error.code']).startsWith('TG_')))
})

test('expiry is a root span of its own; every span names the service', () => {
  const expired = one('taskgate.grant.expire', (s) => s.attributes['taskgate.grant.id'] === ids.expiring)
  assert.equal(expired.parentSpanId, '')
  assert.equal(expired.attributes['taskgate.outcome'], 'expired')
  assert.ok(spans.some((s) => s.parentSpanId === expired.spanId && s.name === 'store grants.end'))
  const instances = new Set(spans.map((s) => s.resource['service.instance.id']))
  assert.equal(instances.size, 1)
  assert.match(String([...instances][0]), /^[0-9a-f-]{36}$/)
  for (const span of spans) {
    assert.equal(span.resource['service.name'], 'taskgate')
    assert.equal(span.resource['service.version'], packageJson.version)
    assert.equal(span.scope, 'taskgate')
  }
  assert.ok(receiver.contentTypes.every((t) => t === 'application/x-protobuf'))
  // telemetry.traces.authorization, read from its secret, reaches the collector and nothing else.
  assert.ok(receiver.headers.every((h) => h.authorization === `Bearer tg-collector-token-${marker}`))
  assert.ok(!JSON.stringify(gw.logs).includes(`tg-collector-token-${marker}`))
})

test('no statement, per-statement span, credential, key, task or masked value left the gateway', () => {
  const everything = Buffer.concat(receiver.bodies).toString('latin1')
  for (const secret of secrets)
    assert.ok(!everything.includes(secret), `exported bytes hold ${secret.slice(0, 12)}…`)
  const allowed =
    /^(taskgate\.[a-z.]+|http\.request\.method|http\.route|http\.response\.status_code|url\.scheme|db\.system\.name|db\.operation\.name)$/
  for (const span of spans) for (const key of Object.keys(span.attributes)) assert.match(key, allowed)
  const names = new Set(spans.map((s) => s.name))
  for (const name of names)
    assert.match(name, /^(taskgate\.[a-z.]+|store [a-zA-Z.]+|(GET|POST|PUT|PATCH|DELETE) \/[^ ]*)$/)
  // Statements are not traced: two SELECTs and a DELETE ran, and no span is about them.
  assert.ok(!spans.some((s) => /statement|action\.decide|query/i.test(s.name)))
})
