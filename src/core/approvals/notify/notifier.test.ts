import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, type TestContext, test } from 'node:test'
import { pino } from 'pino'
import { systemClock } from '../../clock.ts'
import { isTaskgateError } from '../../errors.ts'
import type { Approval } from '../approval.ts'
import type { ApprovalNotification } from './notification.ts'
import { createNotifier, type Notifier, type NotifierOptions } from './notifier.ts'
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature.ts'

// Real HTTP receivers on 127.0.0.1, the way a webhook consumer or a Slack relay sees taskgate.

interface Received {
  headers: IncomingHttpHeaders
  body: string
  at: number
}

type Reply = (res: ServerResponse, n: number, req: IncomingMessage) => void

async function startReceiver(t: TestContext, reply: Reply = (res) => res.end('ok')) {
  const requests: Received[] = []
  let waiters: Array<() => void> = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      const current = waiters
      waiters = []
      for (const w of current) w()
      reply(res, requests.length, req)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const receiver = {
    url: `http://127.0.0.1:${port}/hook/${randomBytes(6).toString('hex')}`,
    requests,
    async waitFor(count: number, timeoutMs = 5000): Promise<void> {
      const deadline = Date.now() + timeoutMs
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${requests.length}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
    },
    async close() {
      server.closeAllConnections()
      if (server.listening) await new Promise((resolve) => server.close(resolve))
    },
  }
  // `after`, not `await using`: dependency-cruiser's parser cannot read `using` declarations under src/.
  t.after(() => receiver.close())
  return receiver
}

function captureLogger() {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) })
  return { logger, lines }
}

const suffix = randomBytes(4).toString('hex')

function approval(overrides: Partial<Approval> = {}): Approval {
  const createdAt = new Date()
  return {
    id: `a${suffix}${randomBytes(3).toString('hex')}`,
    subject: 'action',
    grantId: `g${suffix}`,
    requesterId: `agent-${suffix}`,
    requesterName: `Billing agent ${suffix}`,
    resourceId: `billing-db-${suffix}`,
    task: 'close the March books',
    summary: "DELETE FROM invoices WHERE status = 'draft' AND total < 10",
    digest: 'f'.repeat(64),
    rule: 'guardrail:delete-without-review',
    reason: 'deletes need a second pair of eyes',
    approverGroups: ['dba', 'finance-leads'],
    status: 'pending',
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 15 * 60_000),
    ...overrides,
  }
}

const requested = (a = approval()): ApprovalNotification => ({ type: 'approval.requested', approval: a })

// Small waits: a test should take milliseconds, not the production 0.5 s, 1 s, 2 s...
function options(overrides: Partial<NotifierOptions>): NotifierOptions {
  return {
    targets: [],
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    retry: { baseDelayMs: 10, maxDelayMs: 2000 },
    timeoutMs: 2000,
    ...overrides,
  }
}

const open: Notifier[] = []
after(async () => {
  for (const n of open) await n.close(100)
})

test('a webhook receiver gets a signed payload it can verify, with the console link', async (t) => {
  const receiver = await startReceiver(t)
  const secret = randomBytes(32).toString('hex')
  const notifier = createNotifier(
    options({
      targets: [{ id: 'audit-hook', kind: 'webhook', url: receiver.url, secret }],
      publicUrl: 'https://taskgate.example.test/',
    }),
  )
  open.push(notifier)
  const a = approval()
  notifier.notify(requested(a))
  await receiver.waitFor(1)
  const [got] = receiver.requests
  assert.ok(got)
  assert.equal(got.headers['content-type'], 'application/json')
  assert.equal(got.headers['x-taskgate-event'], 'approval.requested')
  assert.match(String(got.headers['x-taskgate-delivery']), /^dlv[a-z0-9]{20}$/)
  const signature = String(got.headers['x-taskgate-signature'])
  assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/)
  assert.equal(verifyWebhookSignature(secret, signature, got.body, new Date()), true)
  assert.equal(verifyWebhookSignature('another secret', signature, got.body, new Date()), false)

  const payload = JSON.parse(got.body)
  assert.equal(payload.type, 'approval.requested')
  assert.deepEqual(payload.approval, {
    id: a.id,
    subject: 'action',
    grantId: a.grantId,
    requester: { id: a.requesterId, name: a.requesterName },
    resource: a.resourceId,
    task: a.task,
    summary: a.summary,
    rule: a.rule,
    reason: a.reason,
    approverGroups: ['dba', 'finance-leads'],
    status: 'pending',
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    url: `https://taskgate.example.test/approvals/${a.id}`,
  })
  assert.ok(!got.body.includes(a.digest!), 'the statement digest is internal and not sent')
  await notifier.close()
})

test('a decided approval carries who decided and why', async (t) => {
  const receiver = await startReceiver(t)
  const notifier = createNotifier(
    options({ targets: [{ id: 'hook', kind: 'webhook', url: receiver.url, secret: 's3cret' }] }),
  )
  open.push(notifier)
  const decided = approval({
    status: 'denied',
    decidedAt: new Date(),
    decidedBy: `alice-${suffix}`,
    decidedByName: 'Alice',
    decisionReason: 'use the archive job instead',
  })
  notifier.notify({ type: 'approval.denied', approval: decided })
  await receiver.waitFor(1)
  const payload = JSON.parse(receiver.requests[0]!.body)
  assert.equal(payload.type, 'approval.denied')
  assert.equal(payload.approval.status, 'denied')
  assert.deepEqual(payload.approval.decidedBy, { id: `alice-${suffix}`, name: 'Alice' })
  assert.equal(payload.approval.decisionReason, 'use the archive job instead')
  assert.equal(payload.approval.url, undefined, 'no link without publicUrl')
  await notifier.close()
})

test('503 twice then 200: three attempts with the same delivery id, each freshly signed, and it lands', async (t) => {
  const receiver = await startReceiver(t, (res, n) => {
    res.statusCode = n <= 2 ? 503 : 204
    res.end()
  })
  const { logger, lines } = captureLogger()
  const secret = 'rotate-me-often'
  const notifier = createNotifier(
    options({ logger, targets: [{ id: 'flaky', kind: 'webhook', url: receiver.url, secret }] }),
  )
  open.push(notifier)
  notifier.notify(requested())
  await receiver.waitFor(3)
  await notifier.close()
  const ids = receiver.requests.map((r) => r.headers['x-taskgate-delivery'])
  assert.equal(new Set(ids).size, 1, `one delivery id across retries, got ${ids.join(', ')}`)
  assert.equal(receiver.requests.length, 3)
  for (const r of receiver.requests) {
    assert.equal(r.body, receiver.requests[0]!.body, 'the same bytes each attempt')
    assert.ok(verifyWebhookSignature(secret, String(r.headers['x-taskgate-signature']), r.body, new Date()))
  }
  assert.ok(lines.some((l) => l.msg === 'approval notification delivered' && l.attempt === 3))
  assert.ok(!lines.some((l) => (l.level as number) >= 50), 'no error logged')
})

test('429 with Retry-After is honoured over a shorter backoff', async (t) => {
  const receiver = await startReceiver(t, (res, n) => {
    if (n === 1) {
      res.writeHead(429, { 'retry-after': '1' })
      res.end()
      return
    }
    res.end('ok')
  })
  const notifier = createNotifier(
    options({ targets: [{ id: 'limited', kind: 'webhook', url: receiver.url, secret: 'k' }] }),
  )
  open.push(notifier)
  notifier.notify(requested())
  await receiver.waitFor(2)
  const waited = receiver.requests[1]!.at - receiver.requests[0]!.at
  assert.ok(waited >= 950, `waited ${waited} ms after Retry-After: 1`)
  await notifier.close()
})

test('a hanging receiver blocks neither notify() nor the other targets', async (t) => {
  const hanging = await startReceiver(t, () => {})
  const healthy = await startReceiver(t)
  const { logger, lines } = captureLogger()
  const notifier = createNotifier(
    options({
      logger,
      timeoutMs: 60_000,
      targets: [
        { id: 'hangs', kind: 'webhook', url: hanging.url, secret: 'a' },
        { id: 'healthy', kind: 'slack', url: healthy.url },
      ],
    }),
  )
  open.push(notifier)
  // notify() is fire-and-forget: it returns nothing to await, and it returns long before the
  // hanging receiver's 60 s timeout could pass. The bound is generous so a busy CI machine
  // cannot fail it; blocking on the receiver would take the full minute.
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    const returned: unknown = notifier.notify(requested())
    const took = performance.now() - started
    assert.equal(returned, undefined)
    assert.ok(took < 1000, `notify() took ${took.toFixed(2)} ms`)
  }
  await healthy.waitFor(3)
  await hanging.waitFor(3)
  const started = Date.now()
  await notifier.close(200)
  const closeTook = Date.now() - started
  assert.ok(closeTook < 1000, `close() took ${closeTook} ms past its 200 ms deadline`)
  assert.ok(lines.some((l) => l.msg === 'notifier closed before every approval notification was delivered'))
})

test('a 4xx answer is not retried', async (t) => {
  const receiver = await startReceiver(t, (res) => {
    res.statusCode = 400
    res.end('bad payload')
  })
  const { logger, lines } = captureLogger()
  const notifier = createNotifier(
    options({ logger, targets: [{ id: 'strict', kind: 'webhook', url: receiver.url, secret: 'k' }] }),
  )
  open.push(notifier)
  notifier.notify(requested())
  await receiver.waitFor(1)
  await notifier.close()
  assert.equal(receiver.requests.length, 1)
  const refused = lines.find((l) => l.status === 400)
  assert.ok(refused)
  assert.equal(refused.target, 'strict')
})

test('network errors are retried up to maxAttempts, then given up with a log line that omits the URL', async (t) => {
  const gone = await startReceiver(t)
  const url = gone.url
  await gone.close()
  const { logger, lines } = captureLogger()
  const notifier = createNotifier(
    options({ logger, targets: [{ id: 'gone', kind: 'slack', url, maxAttempts: 3 }] }),
  )
  open.push(notifier)
  notifier.notify(requested())
  await notifier.close(5000)
  const gaveUp = lines.find((l) => l.msg === 'gave up delivering an approval notification')
  assert.ok(gaveUp, 'a give-up is logged')
  assert.equal(gaveUp.attempts, 3)
  assert.equal(gaveUp.failure, 'ECONNREFUSED')
  assert.ok(!JSON.stringify(lines).includes(url), 'the target URL (a credential for Slack) is never logged')
})

test('signatures fail on a tampered body, an old or future timestamp, or a malformed header', () => {
  const secret = 'receiver-secret'
  const body = JSON.stringify({ type: 'approval.requested', approval: { id: 'a1' } })
  const now = new Date('2026-03-01T12:00:00Z')
  const t = Math.floor(now.getTime() / 1000)
  const header = signWebhookBody(secret, body, t)
  assert.equal(verifyWebhookSignature(secret, header, body, now), true)
  assert.equal(verifyWebhookSignature(secret, header, Buffer.from(body), now), true, 'raw bytes verify too')
  assert.equal(verifyWebhookSignature(secret, header, body.replace('a1', 'a2'), now), false)
  assert.equal(verifyWebhookSignature(secret, header, `${body} `, now), false)
  const old = signWebhookBody(secret, body, t - 301)
  assert.equal(verifyWebhookSignature(secret, old, body, now), false, 'replayed after the tolerance')
  assert.equal(verifyWebhookSignature(secret, old, body, now, 600), true, 'within a wider tolerance')
  assert.equal(verifyWebhookSignature(secret, signWebhookBody(secret, body, t + 301), body, now), false)
  const v1 = header.split('v1=')[1]!
  assert.equal(verifyWebhookSignature(secret, `t=${t + 1},v1=${v1}`, body, now), false, 'timestamp is signed')
  assert.equal(verifyWebhookSignature(secret, `t=${t},v1=${'0'.repeat(64)},v1=${v1}`, body, now), true)
  for (const bad of [
    undefined,
    '',
    `v1=${v1}`,
    `t=${t}`,
    `t=${t},v1=${v1.slice(2)}`,
    't=x,v1=zz',
    'garbage',
  ]) {
    assert.equal(verifyWebhookSignature(secret, bad, body, now), false, `header ${bad}`)
  }
})

test('a Slack target gets { text, blocks } with the statement in a code block, and the signature header', async (t) => {
  const receiver = await startReceiver(t)
  const secret = 'relay-secret'
  const notifier = createNotifier(
    options({
      targets: [{ id: 'ops-channel', kind: 'slack', url: receiver.url, secret }],
      publicUrl: 'https://taskgate.example.test',
    }),
  )
  open.push(notifier)
  const a = approval({ summary: 'UPDATE t SET v = 1 WHERE a < 2 AND b > 3 -- ```' })
  notifier.notify(requested(a))
  await receiver.waitFor(1)
  const got = receiver.requests[0]!
  assert.ok(verifyWebhookSignature(secret, String(got.headers['x-taskgate-signature']), got.body, new Date()))
  const message = JSON.parse(got.body)
  assert.deepEqual(Object.keys(message).sort(), ['blocks', 'text'])
  assert.match(message.text, /^Approval requested: Billing agent/)
  assert.equal(message.blocks[0].type, 'header')
  const all = JSON.stringify(message.blocks)
  const statement = message.blocks.find((b: { text?: { text: string } }) =>
    b.text?.text.startsWith('*Statement*'),
  )
  assert.ok(statement, 'a Statement section')
  assert.equal(
    statement.text.text,
    '*Statement*\n```UPDATE t SET v = 1 WHERE a &lt; 2 AND b &gt; 3 -- `\u200b`````',
    'escaped for mrkdwn, and a fence in the statement cannot close the block early',
  )
  for (const expected of [
    a.requesterName,
    a.requesterId,
    a.task,
    a.resourceId,
    a.reason,
    'dba, finance-leads',
  ]) {
    assert.ok(all.includes(expected), `blocks mention ${expected}`)
  }
  assert.ok(all.includes(`<https://taskgate.example.test/approvals/${a.id}|Review approval ${a.id}`))
  for (const block of message.blocks) {
    if (block.text?.type === 'mrkdwn') assert.ok(block.text.text.length <= 3000)
  }
  await notifier.close()
})

test('a Slack message stays within Block Kit limits for a huge statement', async (t) => {
  const receiver = await startReceiver(t)
  const notifier = createNotifier(options({ targets: [{ id: 'slack', kind: 'slack', url: receiver.url }] }))
  open.push(notifier)
  notifier.notify(requested(approval({ summary: `SELECT ${'<x>, '.repeat(5000)}1`, task: 'y'.repeat(5000) })))
  await receiver.waitFor(1)
  const got = receiver.requests[0]!
  assert.equal(got.headers['x-taskgate-signature'], undefined, 'no secret, no signature')
  const message = JSON.parse(got.body)
  for (const block of message.blocks) {
    if (block.type === 'header') assert.ok(block.text.text.length <= 150)
    if (block.text?.type === 'mrkdwn') assert.ok(block.text.text.length <= 3000, block.text.text.slice(0, 40))
    for (const field of block.fields ?? []) assert.ok(field.text.length <= 2000)
  }
  await notifier.close()
})

test('targets get only the events they ask for', async (t) => {
  const everything = await startReceiver(t)
  const decisions = await startReceiver(t)
  const notifier = createNotifier(
    options({
      targets: [
        { id: 'all', kind: 'webhook', url: everything.url, secret: 'k' },
        { id: 'decisions', kind: 'webhook', url: decisions.url, secret: 'k', events: ['approval.approved'] },
      ],
    }),
  )
  open.push(notifier)
  const a = approval()
  notifier.notify(requested(a))
  notifier.notify({ type: 'approval.approved', approval: { ...a, status: 'approved' } })
  await notifier.close()
  assert.deepEqual(everything.requests.map((r) => r.headers['x-taskgate-event']).sort(), [
    'approval.approved',
    'approval.requested',
  ])
  assert.deepEqual(
    decisions.requests.map((r) => r.headers['x-taskgate-event']),
    ['approval.approved'],
  )
})

test('past the queue limit the oldest notifications are dropped, with a warning each', async (t) => {
  const receiver = await startReceiver(t)
  const { logger, lines } = captureLogger()
  const notifier = createNotifier(
    options({
      logger,
      maxQueue: 2,
      concurrency: 1,
      targets: [{ id: 'small', kind: 'webhook', url: receiver.url, secret: 'k' }],
    }),
  )
  open.push(notifier)
  const approvals = Array.from({ length: 5 }, () => approval())
  for (const a of approvals) notifier.notify(requested(a))
  await notifier.close()
  const delivered = receiver.requests.map((r) => JSON.parse(r.body).approval.id)
  assert.deepEqual(delivered, [approvals[3]!.id, approvals[4]!.id])
  const dropped = lines.filter((l) => String(l.msg).startsWith('notification queue full'))
  assert.deepEqual(
    dropped.map((l) => l.approval),
    approvals.slice(0, 3).map((a) => a.id),
  )
})

test('notify() never throws: not after close, not on a malformed approval', async () => {
  const { logger, lines } = captureLogger()
  const notifier = createNotifier(
    options({ logger, targets: [{ id: 'x', kind: 'slack', url: 'http://127.0.0.1:9/none' }] }),
  )
  notifier.notify({ type: 'approval.requested', approval: { id: 'broken' } as Approval })
  assert.ok(lines.some((l) => l.msg === 'could not queue an approval notification'))
  await notifier.close()
  notifier.notify(requested())
  assert.ok(lines.some((l) => l.msg === 'notifier closed; notification dropped'))
})

test('createNotifier refuses a webhook without a secret, naming the target but never its URL', () => {
  const url = `https://hooks.example.test/services/${randomBytes(8).toString('hex')}`
  const cases: Array<[NotifierOptions['targets'], RegExp]> = [
    [[{ id: 'nosecret', kind: 'webhook', url }], /nosecret: a webhook target needs a secret/],
    [[{ id: 'ftp', kind: 'slack', url: 'ftp://example.test/x' }], /ftp: url must be http or https/],
    [[{ id: 'rel', kind: 'slack', url: '/relative' }], /rel: url is not a valid URL/],
    [
      [
        { id: 'twice', kind: 'slack', url },
        { id: 'twice', kind: 'slack', url },
      ],
      /twice: the id is used by another target/,
    ],
    [[{ id: 'zero', kind: 'slack', url, maxAttempts: 0 }], /zero: maxAttempts/],
  ]
  for (const [targets, message] of cases) {
    assert.throws(
      () => createNotifier(options({ targets })),
      (error: unknown) => {
        assert.ok(isTaskgateError(error))
        assert.equal(error.code, 'TG_CONFIG_INVALID')
        assert.match(error.message, message)
        assert.ok(!error.message.includes(url))
        return true
      },
    )
  }
})
