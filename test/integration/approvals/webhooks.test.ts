// Approval notifications end to end: a gateway configured with webhook targets at real HTTP receivers in
// this test. A statement held in psql reaches the receivers as a signed JSON payload that names the
// statement, the requester, the task and the console link; a failing receiver is retried with the same
// delivery, and neither it nor a receiver that never answers holds up the data path.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { verifyWebhookSignature } from '../../../src/core/index.ts'
import { PsqlSession } from '../../support/clients/psql-session.ts'
import {
  callApi,
  type GatewaySetup,
  libpqEnv,
  prepareGateway,
  type RunningGateway,
  requestGrant,
  startInProcess,
} from '../../support/start-full-gateway.ts'

interface Received {
  path: string
  headers: http.IncomingHttpHeaders
  body: string
  answered: number
}

const SECRET = 'whsec-test-0123456789abcdef'
const received: Received[] = []
/** The flaky receiver fails this many attempts of each delivery before it accepts it. */
const FLAKY_FAILURES = 2
const flakyAttempts = new Map<string, number>()
const stalled = new Set<http.ServerResponse>()

const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const entry: Received = {
      path: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      answered: 0,
    }
    received.push(entry)
    if (req.url === '/stalled') return void stalled.add(res)
    const delivery = String(req.headers['x-taskgate-delivery'])
    const attempt = (flakyAttempts.get(delivery) ?? 0) + 1
    if (req.url === '/flaky') flakyAttempts.set(delivery, attempt)
    if (req.url === '/flaky' && attempt <= FLAKY_FAILURES) entry.answered = 503
    else entry.answered = 204
    res.writeHead(entry.answered).end()
  })
})

let setup: GatewaySetup
let gw: RunningGateway
let keys: { admin: string; agent: string; approver: string }

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  // The in-process gateway resolves `{ env: ... }` secrets from this process.
  process.env.TG_TEST_WEBHOOK_SECRET = SECRET
  const target = (id: string, extra = '') =>
    `    - { id: ${id}, kind: webhook, url: "${base}/${id}", secret: { env: TG_TEST_WEBHOOK_SECRET }${extra} }`
  setup = await prepareGateway({
    setupSql: 'CREATE TABLE public.items (id int PRIMARY KEY, v int); INSERT INTO items VALUES (1, 0);',
    extraConfig: `guardrails:
  - { id: no-unbounded-write, action: approve, description: "a write to every row needs a DBA", approvers: [{dbas}] }
notifications:
  targets:
${target('good')}
${target('flaky', ', maxAttempts: 5')}
${target('stalled', ', maxAttempts: 1')}
`,
  })
  gw = await startInProcess(setup)
  keys = await setup.keys()
})

after(async () => {
  for (const res of stalled) res.destroy()
  await gw?.[Symbol.asyncDispose]()
  await setup?.[Symbol.asyncDispose]()
  receiver.closeAllConnections()
  await new Promise<void>((resolve) => receiver.close(() => resolve()))
})

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = find()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

const payloadOf = (r: Received) =>
  JSON.parse(r.body) as {
    type: string
    approval: {
      id: string
      summary: string
      requester: { id: string; name: string }
      task: string
      rule: string
      url?: string
      status: string
    }
  }

test('a held statement is announced, signed, to every webhook; retries and a stalled receiver never block psql', async () => {
  const { connection } = await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*,update:*')
  await using psql = new PsqlSession(libpqEnv(connection))
  psql.send('UPDATE items SET v = v + 1 RETURNING id, v;\n')
  const approvalId = await psql.approvalId()

  const requested = await until('the good receiver', () =>
    received.find((r) => r.path === '/good' && r.headers['x-taskgate-event'] === 'approval.requested'),
  )
  const signature = requested.headers['x-taskgate-signature'] as string
  assert.ok(verifyWebhookSignature(SECRET, signature, requested.body, new Date()), 'signature verifies')
  assert.ok(!verifyWebhookSignature('another secret', signature, requested.body, new Date()))
  assert.ok(!verifyWebhookSignature(SECRET, signature, requested.body.replace('items', 'users'), new Date()))
  const payload = payloadOf(requested)
  assert.equal(payload.type, 'approval.requested')
  assert.equal(payload.approval.id, approvalId)
  assert.equal(payload.approval.summary, 'UPDATE items SET v = v + 1 RETURNING id, v;')
  assert.equal(payload.approval.requester.name, setup.agentName)
  assert.equal(payload.approval.task, 'integration test of held statements')
  assert.equal(payload.approval.rule, 'guardrail:no-unbounded-write')
  assert.equal(payload.approval.url, `https://taskgate.example.test/approvals/${approvalId}`)

  // The flaky receiver has failed so far and the stalled one never answers: the statement is still
  // approvable, and runs at once.
  await until('the stalled receiver to be called', () => received.find((r) => r.path === '/stalled'))
  const approved = await callApi(gw.api, keys.approver, 'POST', `/v1/approvals/${approvalId}/approve`, {
    reason: 'receivers may lag',
  })
  assert.equal(approved.status, 200, JSON.stringify(approved.body))
  await psql.waitFor('stdout', /^1\|1$/m, 1, 5_000)
  assert.equal(await psql.close(), 0, psql.stderr)

  // The flaky receiver gets the same delivery again until it accepts it.
  const flaky = await until('the flaky receiver to accept', () => {
    const attempts = received.filter(
      (r) => r.path === '/flaky' && r.headers['x-taskgate-event'] === 'approval.requested',
    )
    return attempts.at(-1)?.answered === 204 ? attempts : undefined
  })
  assert.equal(flaky.length, FLAKY_FAILURES + 1)
  assert.equal(new Set(flaky.map((r) => r.headers['x-taskgate-delivery'])).size, 1, 'one delivery id')
  assert.equal(new Set(flaky.map((r) => r.body)).size, 1, 'the same bytes every attempt')
  for (const attempt of flaky) {
    assert.ok(
      verifyWebhookSignature(
        SECRET,
        attempt.headers['x-taskgate-signature'] as string,
        attempt.body,
        new Date(),
      ),
    )
  }

  const decided = await until('approval.approved', () =>
    received.find((r) => r.path === '/good' && r.headers['x-taskgate-event'] === 'approval.approved'),
  )
  assert.equal(payloadOf(decided).approval.status, 'approved')
})
