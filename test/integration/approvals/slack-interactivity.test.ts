// Approvals decided from Slack, end to end with Slack's documented protocol: the gateway posts a Block Kit
// message to an incoming webhook (a real HTTP receiver here), an approver's button press arrives as a form
// POST signed with the app's signing secret (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`), and the outcome
// goes to the payload's response_url (the same receiver). Bad signatures, stale timestamps, replays, unknown
// Slack users, presses without a reason and one's own request are all refused.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { type ApiServer, createApiServer } from '../../../src/api/index.ts'
import { slackSignature } from '../../../src/api/slack/verify-slack-request.ts'
import { parseConfigText } from '../../../src/config/load.ts'
import { createNotifier, type Notifier, type Principal, systemClock } from '../../../src/core/index.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../../support/embedded-core.ts'

const SIGNING_SECRET = `8f742231b10e8888abcd99yyyzzz85a5-${Math.random().toString(36).slice(2)}`
const suffix = Math.random().toString(36).slice(2, 8)

interface Received {
  path: string
  body: Record<string, unknown>
}
const received: Received[] = []
const waiters: Array<() => void> = []
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
    res.writeHead(200).end('ok')
    for (const wake of waiters.splice(0)) wake()
  })
})

/** The next message the receiver gets at `path` after `from` messages were already there. */
async function nextAt(
  path: string,
  from: number,
  matches: (body: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  for (;;) {
    const hit = received.slice(from).find((r) => r.path === path && matches(r.body))
    if (hit) return hit.body
    await new Promise<void>((resolve) => waiters.push(resolve))
  }
}

const agent: Principal = {
  id: `sa:bot-${suffix}`,
  kind: 'agent',
  name: `bot-${suffix}`,
  groups: ['agents'],
  via: 'service-account',
}
const alice: Principal = {
  id: `oidc:alice-${suffix}`,
  kind: 'person',
  name: `alice-${suffix}@example.com`,
  groups: ['agents', 'dbas'],
  via: 'oidc',
}

let receiverUrl: string
let embedded: EmbeddedCore
let notifier: Notifier
let api: ApiServer
let apiUrl: string

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  const config = parseConfigText(
    `
resources:
  - id: shop-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: shop, user: app }
policies:
  - group: agents
    resources: [shop-db]
    ceiling: ["*:public.*"]
    autoApprove: ["select:public.*"]
    approvers: [dbas]
approvals:
  slack:
    signingSecret: { env: TG_TEST_SLACK_SIGNING_SECRET }
    responseUrlOrigins: ["${receiverUrl}"]
    approvers:
      - { slackUserId: UDANA${suffix.toUpperCase()}, email: dana-${suffix}@example.com, principal: oidc:dana-${suffix}, groups: [dbas] }
      - { slackUserId: UALICE${suffix.toUpperCase()}, email: alice-${suffix}@example.com, principal: oidc:alice-${suffix}, groups: [dbas] }
      - { slackUserId: UALIAS${suffix.toUpperCase()}, email: ALICE-${suffix}@example.com, principal: oidc:typo-${suffix}, groups: [dbas] }
      - { slackUserId: UOUT${suffix.toUpperCase()}, email: olga-${suffix}@example.com, principal: oidc:olga-${suffix}, groups: [finance] }
`,
    'slack-test.yaml',
  )
  notifier = createNotifier({
    targets: [{ id: 'ops-channel', kind: 'slack', url: `${receiverUrl}/webhook` }],
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    slackInteractive: true,
  })
  embedded = await openEmbeddedCore(config, {
    approvalListeners: [(type, approval) => notifier.notify({ type, approval })],
  })
  api = createApiServer({
    core: embedded.core,
    logger: pino({ level: 'silent' }),
    listen: { host: '127.0.0.1', port: 0 },
    slackSigningSecret: SIGNING_SECRET,
  })
  apiUrl = (await api.listen()).url
})

after(async () => {
  await api?.close()
  await notifier?.close()
  await embedded?.[Symbol.asyncDispose]()
  await new Promise((resolve) => receiver.close(resolve))
})

/** Requests a grant above auto-approval and returns the approval id read from the Slack message's button. */
async function pendingApproval(
  requester: Principal,
): Promise<{ id: string; message: Record<string, unknown> }> {
  const from = received.length
  const task = `clean test orders ${Math.random().toString(36).slice(2)}`
  await embedded.core.requestGrant(requester, { resourceId: 'shop-db', scope: 'delete:public.orders', task })
  // The webhook also hears earlier tests' outcomes: wait for this request's own message.
  const message = await nextAt('/webhook', from, (m) => JSON.stringify(m.blocks).includes(task))
  const blocks = message.blocks as Array<Record<string, unknown>>
  const actions = blocks.find((b) => b.type === 'actions') as { elements: Array<Record<string, unknown>> }
  assert.ok(actions, 'the request message carries buttons')
  assert.ok(
    blocks.some((b) => b.type === 'input' && b.block_id === 'taskgate_reason'),
    'and a reason field',
  )
  const approve = actions.elements.find((e) => e.action_id === 'taskgate_approve')
  assert.equal(actions.elements.find((e) => e.action_id === 'taskgate_deny')?.value, approve?.value)
  return { id: String(approve?.value), message }
}

/** A block_actions payload as Slack sends it (api.slack.com/reference/interaction-payloads/block-actions). */
function pressBody(
  slackUserId: string,
  approvalId: string,
  verdict: 'approve' | 'deny',
  reason?: string,
): string {
  const payload = {
    type: 'block_actions',
    user: { id: slackUserId, username: 'someone', team_id: 'T0TEST' },
    api_app_id: 'A0TEST',
    container: { type: 'message', message_ts: '1548261231.000200' },
    trigger_id: '12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3',
    team: { id: 'T0TEST', domain: 'example' },
    channel: { id: 'C0TEST', name: 'ops' },
    response_url: `${receiverUrl}/response/${Math.random().toString(36).slice(2)}`,
    state: {
      values:
        reason === undefined
          ? {}
          : { taskgate_reason: { taskgate_reason: { type: 'plain_text_input', value: reason } } },
    },
    actions: [
      {
        type: 'button',
        block_id: 'taskgate_decide',
        action_id: verdict === 'approve' ? 'taskgate_approve' : 'taskgate_deny',
        value: approvalId,
        action_ts: '1548426417.840180',
      },
    ],
  }
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
}

async function send(
  body: string,
  options: { timestamp?: number; secret?: string; signature?: string } = {},
): Promise<{ status: number; text: string; responseUrl: string }> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000))
  const signature = options.signature ?? slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body)
  const response = await fetch(`${apiUrl}/slack/interactivity`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    body,
  })
  const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '{}')
  return {
    status: response.status,
    text: await response.text(),
    responseUrl: new URL(payload.response_url).pathname,
  }
}

const dana = () => `UDANA${suffix.toUpperCase()}`

test('an approver approves from Slack with a reason: the grant activates and the message shows the outcome', async () => {
  const { id } = await pendingApproval(agent)
  const from = received.length
  const sent = await send(pressBody(dana(), id, 'approve', 'ticket OPS-12'))
  assert.equal(sent.status, 200)
  const update = await nextAt(sent.responseUrl, from)
  assert.equal(update.replace_original, true)
  const text = JSON.stringify(update.blocks)
  assert.match(text, /Approved by dana-.*ticket OPS-12/)
  assert.ok(!text.includes('taskgate_approve'), 'the decided message has no buttons left')
  const approval = await embedded.core.getApproval(alice, id)
  assert.equal(approval.status, 'approved')
  assert.equal(approval.decidedBy, `oidc:dana-${suffix}`)
  assert.equal(approval.decisionReason, 'ticket OPS-12')
  assert.equal((await embedded.store.grants.get(approval.grantId))?.status, 'active')
  // A second press (another approver, or the same message pressed again) changes nothing and says why.
  const again = received.length
  const late = await send(pressBody(dana(), id, 'deny', 'too late'))
  const reply = await nextAt(late.responseUrl, again)
  assert.equal(reply.response_type, 'ephemeral')
  assert.match(String(reply.text), /already approved/)
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'approved')
})

test('Deny from Slack denies the grant with the reason', async () => {
  const { id } = await pendingApproval(agent)
  const from = received.length
  const sent = await send(pressBody(dana(), id, 'deny', 'use the read replica'))
  assert.equal(sent.status, 200)
  assert.match(
    JSON.stringify((await nextAt(sent.responseUrl, from)).blocks),
    /Denied by .*use the read replica/,
  )
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'denied')
})

test('a bad signature, a wrong secret and a missing signature are refused with 401 and decide nothing', async () => {
  const { id } = await pendingApproval(agent)
  const body = pressBody(dana(), id, 'approve', 'ok')
  const good = slackSignature(SIGNING_SECRET, String(Math.floor(Date.now() / 1000)), body)
  const flipped = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`
  assert.equal((await send(body, { signature: flipped })).status, 401)
  assert.equal((await send(body, { secret: 'not-the-signing-secret' })).status, 401)
  assert.equal((await send(body, { signature: 'v1=abc' })).status, 401)
  // The body tampered after signing: another approval id under the original signature.
  const timestamp = Math.floor(Date.now() / 1000)
  const signature = slackSignature(SIGNING_SECRET, String(timestamp), body)
  assert.equal((await send(body.replace('ok', 'OK'), { timestamp, signature })).status, 401)
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'pending')
})

test('a stale timestamp (over five minutes old, or ahead) is refused even with a valid signature', async () => {
  const { id } = await pendingApproval(agent)
  const body = pressBody(dana(), id, 'approve', 'ok')
  const sent = await send(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })
  assert.equal(sent.status, 401)
  assert.match(sent.text, /five-minute window/)
  assert.equal((await send(body, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 })).status, 401)
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'pending')
})

test('a replayed request (same body, timestamp and signature) is refused', async () => {
  const { id } = await pendingApproval(agent)
  const body = pressBody(dana(), id, 'deny', 'not now')
  const timestamp = Math.floor(Date.now() / 1000)
  const first = await send(body, { timestamp })
  assert.equal(first.status, 200)
  const replay = await send(body, { timestamp })
  assert.equal(replay.status, 401)
  assert.match(replay.text, /already received/)
})

test('a press without a reason asks for one and decides nothing', async () => {
  const { id } = await pendingApproval(agent)
  for (const reason of [undefined, '   ']) {
    const from = received.length
    const sent = await send(pressBody(dana(), id, 'approve', reason))
    assert.equal(sent.status, 200)
    const reply = await nextAt(sent.responseUrl, from)
    assert.equal(reply.response_type, 'ephemeral')
    assert.equal(reply.replace_original, false)
    assert.match(String(reply.text), /Type a reason/)
  }
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'pending')
})

test('nobody approves their own request from Slack, even under another principal id with the same e-mail', async () => {
  const { id } = await pendingApproval(alice)
  for (const slackUser of [`UALICE${suffix.toUpperCase()}`, `UALIAS${suffix.toUpperCase()}`]) {
    const from = received.length
    const sent = await send(pressBody(slackUser, id, 'approve', 'looks fine to me'))
    assert.equal(sent.status, 200)
    const reply = await nextAt(sent.responseUrl, from)
    assert.equal(reply.response_type, 'ephemeral')
    assert.match(String(reply.text), /own request/)
  }
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'pending')
})

test('an unknown Slack user is refused privately; a mapped user outside the approver groups too', async () => {
  const { id } = await pendingApproval(agent)
  let from = received.length
  let sent = await send(pressBody('UNOBODY', id, 'approve', 'trust me'))
  assert.equal(sent.status, 200)
  let reply = await nextAt(sent.responseUrl, from)
  assert.equal(reply.response_type, 'ephemeral')
  assert.match(String(reply.text), /not linked to a taskgate approver/)
  from = received.length
  sent = await send(pressBody(`UOUT${suffix.toUpperCase()}`, id, 'approve', 'trust me'))
  reply = await nextAt(sent.responseUrl, from)
  assert.equal(reply.response_type, 'ephemeral')
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'pending')
})

test('a response_url outside responseUrlOrigins is refused and nothing is decided', async () => {
  const { id } = await pendingApproval(agent)
  const body = pressBody(dana(), id, 'approve', 'ok').replace(
    encodeURIComponent(receiverUrl),
    encodeURIComponent('http://127.0.0.1:9'),
  )
  assert.equal((await send(body)).status, 400)
  assert.equal((await embedded.core.getApproval(alice, id)).status, 'pending')
})
