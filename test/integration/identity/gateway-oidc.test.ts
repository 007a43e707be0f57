// A real OIDC provider in front of a real gateway: a person's device-flow token and an agent's
// client-credentials token are accepted by the control plane with their groups; policy then applies to
// those groups; bad tokens get a 401 problem+json naming the reason.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { parseConfigText } from '../../../src/config/load.ts'
import { type Gateway, startGateway } from '../../../src/main.ts'
import { startOidcProvider, type TestOidcProvider } from '../../support/start-oidc.ts'

let idp: TestOidcProvider
let gateway: Gateway
let dir: string

before(async () => {
  idp = await startOidcProvider({
    users: {
      alice: { email: 'alice@example.com', groups: ['dbas'] },
      bob: { email: 'bob@example.com', groups: ['agents'] },
    },
    clients: [{ clientId: 'report-bot', clientSecret: 'report-bot-secret-123456', groups: ['agents'] }],
  })
  dir = await mkdtemp(join(tmpdir(), 'tg-oidc-gw-'))
  const config = parseConfigText(
    `
store: { dir: ${dir} }
api: { listen: { host: 127.0.0.1, port: 0 } }
identity:
  oidc: { issuer: "${idp.issuer}", audience: "${idp.audience}", clientId: ${idp.clientId}, allowInsecureHttp: true }
resources:
  - id: app-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: postgres, user: postgres, tls: disable }
policies:
  - group: agents
    resources: [app-db]
    ceiling: ["select:public.*", "update:public.*"]
    autoApprove: ["select:public.*"]
    approvers: [dbas]
`,
    'oidc.yaml',
  )
  gateway = await startGateway({ config, logger: pino({ level: 'silent' }) })
})

after(async () => {
  await gateway?.close()
  await idp?.[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
})

const api = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${gateway.api.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  })

test('the gateway publishes its IdP for `taskgate login`', async () => {
  const res = await fetch(`${gateway.api.url}/v1/auth/oidc`)
  assert.equal(res.status, 200)
  const body = (await res.json()) as { issuer: string; clientId: string; audience: string }
  assert.equal(body.issuer, idp.issuer)
  assert.equal(body.clientId, idp.clientId)
})

test('a person logged in through the device flow is known with their groups', async () => {
  const res = await api('/v1/whoami', await idp.token('alice'))
  assert.equal(res.status, 200)
  const me = (await res.json()) as Record<string, unknown>
  assert.match(JSON.stringify(me), /alice@example\.com/)
  assert.match(JSON.stringify(me), /dbas/)
})

test("an agent's client-credentials token gets a grant through its IdP groups; a person approves the rest", async () => {
  const agentToken = await idp.clientCredentialsToken('report-bot', 'report-bot-secret-123456')
  const granted = await api('/v1/grants', agentToken, {
    method: 'POST',
    body: JSON.stringify({ resource: 'app-db', scope: ['select:public.t'], task: 'weekly report' }),
  })
  assert.equal(granted.status, 201)
  assert.match(JSON.stringify(await granted.json()), /"status":"active"/)

  const pending = await api('/v1/grants', agentToken, {
    method: 'POST',
    body: JSON.stringify({ resource: 'app-db', scope: ['update:public.t'], task: 'fix a row' }),
  })
  const body = (await pending.json()) as { grant: { status: string; approvalId: string } }
  assert.equal(body.grant.status, 'pending')
  const approve = await api(`/v1/approvals/${body.grant.approvalId}/approve`, await idp.token('alice'), {
    method: 'POST',
    body: JSON.stringify({ reason: 'ok' }),
  })
  assert.equal(approve.status, 200)
  // A person in the wrong group cannot approve.
  const other = await api('/v1/grants', agentToken, {
    method: 'POST',
    body: JSON.stringify({ resource: 'app-db', scope: ['update:public.u'], task: 'another' }),
  })
  const otherBody = (await other.json()) as { grant: { approvalId: string } }
  const refused = await api(`/v1/approvals/${otherBody.grant.approvalId}/approve`, await idp.token('bob'), {
    method: 'POST',
    body: JSON.stringify({ reason: 'ok' }),
  })
  assert.equal(refused.status, 403)
})

test('tokens for another audience and garbage are refused with a 401 problem naming the reason', async () => {
  const wrongAudience = await idp.token('alice', { resource: idp.otherAudience })
  const res = await api('/v1/whoami', wrongAudience)
  assert.equal(res.status, 401)
  assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/)
  const problem = (await res.json()) as { code: string; detail: string }
  assert.equal(problem.code, 'TG_TOKEN_INVALID')
  assert.match(problem.detail, /audience/i)
  const garbage = await api('/v1/whoami', 'not-a-token')
  assert.equal(garbage.status, 401)
})
