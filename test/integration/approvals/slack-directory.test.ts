// Slack approvers found through the identity provider by e-mail, without a hand-made mapping: Slack user ->
// e-mail (Slack's users.info, answered here by fake-slack-api, a stand-in: Slack's Web API cannot be reached
// from a test) -> the principal the real OIDC provider (oidc-provider) gave that e-mail when the person last
// signed in to taskgate. Presses are signed with Slack's documented v0 algorithm. Unknown people, bots,
// a Slack API refusal and one's own request are all refused with a private reply.
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { type ApiServer, createApiServer } from '../../../src/api/index.ts'
import { slackSignature } from '../../../src/api/slack/verify-slack-request.ts'
import { parseConfigText } from '../../../src/config/load.ts'
import { oidcSettings } from '../../../src/config/schema.ts'
import { createNotifier, createOidcVerifier, type Notifier, systemClock } from '../../../src/core/index.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../../support/embedded-core.ts'
import { startOidcProvider, type TestOidcProvider } from '../../support/start-oidc.ts'

const SIGNING_SECRET = `slack-directory-secret-${Math.random().toString(36).slice(2)}`
const BOT_TOKEN = `xoxb-test-${Math.random().toString(36).slice(2)}`
const SLACK_USERS: Record<string, { email?: string; is_bot?: boolean; deleted?: boolean }> = {
  UDANA: { email: 'Dana@Example.com' },
  UALICE: { email: 'alice@example.com' },
  UNEWBIE: { email: 'newbie@example.com' },
  UBOT: { email: 'bot@example.com', is_bot: true },
  UGONE: { email: 'gone@example.com', deleted: true },
}

const received: Array<{ path: string; body: Record<string, unknown> }> = []
const waiters: Array<() => void> = []
let slackRefuses = false
// fake-slack-api: users.info as Slack documents it, plus the response_url and webhook receiver.
const slack = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname === '/api/users.info') {
    const id = url.searchParams.get('user') ?? ''
    const user = SLACK_USERS[id]
    const answer =
      req.headers.authorization !== `Bearer ${BOT_TOKEN}` || slackRefuses
        ? { ok: false, error: 'invalid_auth' }
        : user
          ? {
              ok: true,
              user: {
                id,
                deleted: user.deleted ?? false,
                is_bot: user.is_bot ?? false,
                profile: { email: user.email },
              },
            }
          : { ok: false, error: 'user_not_found' }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    received.push({ path: url.pathname, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
    res.writeHead(200).end('ok')
    for (const wake of waiters.splice(0)) wake()
  })
})

async function nextAt(path: string, matches: (b: Record<string, unknown>) => boolean = () => true) {
  for (;;) {
    const hit = received.find((r) => r.path === path && matches(r.body))
    if (hit) return hit.body
    await new Promise<void>((resolve) => waiters.push(resolve))
  }
}

let slackUrl: string
let idp: TestOidcProvider
let embedded: EmbeddedCore
let notifier: Notifier
let api: ApiServer
let apiUrl: string

before(async () => {
  await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve))
  slackUrl = `http://127.0.0.1:${(slack.address() as AddressInfo).port}`
  idp = await startOidcProvider({
    users: {
      dana: { email: 'dana@example.com', groups: ['dbas'] },
      alice: { email: 'alice@example.com', groups: ['people', 'dbas'] },
    },
  })
  process.env.TG_TEST_SLACK_BOT_TOKEN = BOT_TOKEN
  const config = parseConfigText(
    `
identity:
  oidc: { issuer: ${idp.issuer}, audience: ${idp.audience}, clientId: ${idp.clientId}, allowInsecureHttp: true }
resources:
  - { id: shop-db, kind: postgres, listen: { port: 0 }, target: { host: 127.0.0.1, database: shop, user: app } }
policies:
  - { group: people, resources: [shop-db], ceiling: ["*:public.*"], approvers: [dbas] }
approvals:
  slack:
    signingSecret: { env: TG_TEST_SLACK_SIGNING_SECRET }
    responseUrlOrigins: ["${slackUrl}"]
    directory: { botToken: { env: TG_TEST_SLACK_BOT_TOKEN }, apiUrl: "${slackUrl}/api", maxAge: 1h }
`,
    'slack-directory.yaml',
  )
  const verifier = createOidcVerifier(oidcSettings(config.identity)!, systemClock)
  notifier = createNotifier({
    targets: [{ id: 'ops', kind: 'slack', url: `${slackUrl}/webhook` }],
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    slackInteractive: true,
  })
  embedded = await openEmbeddedCore(config, {
    approvalListeners: [(type, approval) => notifier.notify({ type, approval })],
    verifyOidc: (token) => verifier.verify(token),
  })
  api = createApiServer({
    core: embedded.core,
    logger: pino({ level: 'silent' }),
    listen: { host: '127.0.0.1', port: 0 },
    slackSigningSecret: SIGNING_SECRET,
    slackBotToken: BOT_TOKEN,
    sharedState: embedded.store.sharedState,
  })
  apiUrl = (await api.listen()).url
})

after(async () => {
  await api?.close()
  await notifier?.close()
  await embedded?.[Symbol.asyncDispose]()
  await idp?.[Symbol.asyncDispose]()
  await new Promise((resolve) => slack.close(resolve))
})

/** A person's API call with their IdP token (what a console or CLI sign-in does). */
async function signIn(user: string): Promise<{ id: string; token: string }> {
  const token = await idp.token(user)
  const res = await fetch(`${apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  const me = (await res.json()) as { id: string }
  // remember() runs beside the request: wait until the store has the person.
  for (let i = 0; i < 100; i++) {
    const known = await embedded.store.sharedState.get('person', `${user}@example.com`, new Date())
    if (known) break
    await new Promise((r) => setTimeout(r, 20))
  }
  return { id: me.id, token }
}

async function pendingRequest(token: string): Promise<string> {
  const task = `fix orders ${Math.random().toString(36).slice(2)}`
  const res = await fetch(`${apiUrl}/v1/grants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ resource: 'shop-db', scope: 'delete:public.orders', task, ttl: '30m' }),
  })
  assert.equal(res.status, 201, await res.clone().text())
  const message = await nextAt('/webhook', (m) => JSON.stringify(m.blocks).includes(task))
  const actions = (message.blocks as Array<Record<string, unknown>>).find((b) => b.type === 'actions') as {
    elements: Array<{ action_id: string; value: string }>
  }
  return actions.elements.find((e) => e.action_id === 'taskgate_approve')!.value
}

async function press(
  slackUserId: string,
  approvalId: string,
  reason: string,
): Promise<Record<string, unknown>> {
  const responsePath = `/response/${Math.random().toString(36).slice(2)}`
  const payload = {
    type: 'block_actions',
    user: { id: slackUserId, username: 'someone', team_id: 'T0TEST' },
    response_url: `${slackUrl}${responsePath}`,
    state: { values: { taskgate_reason: { taskgate_reason: { type: 'plain_text_input', value: reason } } } },
    actions: [
      { type: 'button', block_id: 'taskgate_decide', action_id: 'taskgate_approve', value: approvalId },
    ],
  }
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
  const timestamp = String(Math.floor(Date.now() / 1000))
  const res = await fetch(`${apiUrl}/slack/interactivity`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(SIGNING_SECRET, timestamp, body),
    },
    body,
  })
  assert.equal(res.status, 200)
  return nextAt(responsePath)
}

test('a Slack approver is found by e-mail once the IdP has vouched for them; the decision is theirs', async () => {
  const alice = await signIn('alice')
  const approvalId = await pendingRequest(alice.token)

  // Dana has not signed in to taskgate yet: Slack knows her e-mail, taskgate does not know who that is.
  const unknown = await press('UDANA', approvalId, 'looks fine')
  assert.equal(unknown.response_type, 'ephemeral')
  assert.match(String(unknown.text), /does not know Dana@Example\.com .*sign in to the taskgate console/)
  assert.equal((await embedded.store.approvals.get(approvalId))?.status, 'pending')

  const dana = await signIn('dana')
  const decided = await press('UDANA', approvalId, 'ticket OPS-7')
  assert.equal(decided.replace_original, true)
  assert.match(JSON.stringify(decided.blocks), /Approved by dana@example\.com.*ticket OPS-7/)
  const approval = await embedded.store.approvals.get(approvalId)
  assert.equal(approval?.status, 'approved')
  assert.equal(approval?.decidedBy, dana.id, 'recorded under the principal the IdP gave her')
  assert.match(dana.id, /^oidc:/)
})

test('nobody approves their own request from Slack, found by e-mail or not', async () => {
  const alice = await signIn('alice')
  const approvalId = await pendingRequest(alice.token)
  const own = await press('UALICE', approvalId, 'trust me')
  assert.equal(own.response_type, 'ephemeral')
  assert.match(String(own.text), /own/i)
  assert.equal((await embedded.store.approvals.get(approvalId))?.status, 'pending')
})

test('bots, deleted users, people the IdP never vouched for and a Slack API refusal are refused', async () => {
  const alice = await signIn('alice')
  const approvalId = await pendingRequest(alice.token)
  for (const user of ['UBOT', 'UGONE', 'UNOBODY'])
    assert.match(String((await press(user, approvalId, 'ok')).text), /not linked to a taskgate approver/)
  assert.match(String((await press('UNEWBIE', approvalId, 'ok')).text), /does not know newbie@example\.com/)
  slackRefuses = true
  try {
    assert.match(
      String((await press('UDANA', approvalId, 'ok')).text),
      /Slack could not tell taskgate who you are/,
    )
  } finally {
    slackRefuses = false
  }
  assert.equal((await embedded.store.approvals.get(approvalId))?.status, 'pending')
})
