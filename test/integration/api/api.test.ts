// The control-plane API over real HTTP on a real core and embedded store: bearer auth, problem+json
// errors (shape, status per kind, no leaked internals), request validation messages, the grant request
// outcomes (active / pending / denied as a value), approvals, and the OpenAPI document.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { get as httpsGet } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { generate } from 'selfsigned'
import { type ApiServer, createApiServer } from '../../../src/api/index.ts'
import { apiRoutes } from '../../../src/api/routes/index.ts'
import { type Core, createCore } from '../../../src/core/index.ts'
import { openEmbeddedStore } from '../../../src/store/embedded/index.ts'
import type { Store } from '../../../src/store/store.ts'
import { systemAdmin as system } from '../../support/principals.ts'
import { suffixedPostgresConfig } from '../../support/suffixed-postgres-config.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const config = suffixedPostgresConfig(suffix, {
  agentsCeiling: ['select:*', 'insert:public.*'],
  agentsAutoApprove: ['select:public.*'],
})

const logger = pino({ level: 'silent' })
let dir: string
let store: Store
let core: Core
let server: ApiServer
let url: string
const keys: Record<'admin' | 'agent' | 'dba', string> = { admin: '', agent: '', dba: '' }

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-api-'))
  store = await openEmbeddedStore({ dir })
  core = createCore({ config, store, logger })
  keys.admin = (
    await core.createServiceAccount(system, {
      name: `admin-${suffix}`,
      groups: ['taskgate-admins'],
      kind: 'service',
    })
  ).key
  keys.agent = (
    await core.createServiceAccount(system, { name: `bot-${suffix}`, groups: [`agents-${suffix}`] })
  ).key
  keys.dba = (
    await core.createServiceAccount(system, { name: `dba-${suffix}`, groups: [`dbas-${suffix}`] })
  ).key
  server = createApiServer({ core, logger, listen: { host: '127.0.0.1', port: 0 } })
  url = (await server.listen()).url
})

after(async () => {
  await server?.close()
  await core?.close()
  await store?.close()
  await rm(dir, { recursive: true, force: true })
})

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; base?: string } = {},
) {
  const headers: Record<string, string> = {}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${options.base ?? url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: text ? JSON.parse(text) : undefined,
  }
}

function assertProblem(res: Awaited<ReturnType<typeof call>>, status: number, code: string): void {
  assert.equal(res.status, status, res.text)
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/)
  assert.deepEqual(
    Object.keys(res.body).sort(),
    ['code', 'detail', 'status', 'title', 'type'].concat(status === 500 ? ['ref'] : []).sort(),
  )
  assert.equal(res.body.status, status)
  assert.equal(res.body.code, code)
  assert.equal(res.body.type, `urn:taskgate:error:${code}`)
  assert.equal(typeof res.body.detail, 'string')
}

test('health is public', async () => {
  const res = await call('GET', '/v1/health')
  assert.equal(res.status, 200)
  assert.equal(res.body.status, 'ok')
})

test('401 problem+json without a token, with a malformed header, and with a wrong key', async () => {
  const missing = await call('GET', '/v1/whoami')
  assertProblem(missing, 401, 'TG_AUTH_MISSING')
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer')
  const malformed = await fetch(`${url}/v1/whoami`, { headers: { authorization: 'Basic abc' } })
  assert.equal(malformed.status, 401)
  assert.equal(((await malformed.json()) as { code: string }).code, 'TG_AUTH_INVALID')
  assertProblem(await call('GET', '/v1/whoami', { token: `${keys.agent}x` }), 401, 'TG_AUTH_INVALID')
  // Authentication comes before validation: an anonymous caller learns nothing about the body.
  assertProblem(await call('POST', '/v1/grants', { body: {} }), 401, 'TG_AUTH_MISSING')
})

test('whoami names the service account', async () => {
  const res = await call('GET', '/v1/whoami', { token: keys.agent })
  assert.equal(res.status, 200)
  assert.deepEqual(res.body, {
    id: `sa:bot-${suffix}`,
    kind: 'agent',
    name: `bot-${suffix}`,
    groups: [`agents-${suffix}`],
    via: 'service-account',
  })
})

test('validation errors name each bad field', async () => {
  const res = await call('POST', '/v1/grants', {
    token: keys.agent,
    body: { resource: resourceId, scope: 'select:x', ttl: '15 minutes', extra: 1 },
  })
  assertProblem(res, 400, 'TG_REQUEST_INVALID')
  assert.match(res.body.detail, /body\.task: expected string, received undefined/)
  assert.match(res.body.detail, /body\.ttl: expected a duration such as 90s, 15m, 2h or 1d/)
  assert.match(res.body.detail, /body: Unrecognized key: "extra"/)
  const badJson = await fetch(`${url}/v1/grants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.agent}`, 'content-type': 'application/json' },
    body: '{not json',
  })
  assert.equal(badJson.status, 400)
  assert.equal(((await badJson.json()) as { code: string }).code, 'TG_REQUEST_INVALID')
  assertProblem(
    await call('GET', '/v1/grants?status=pending,bogus', { token: keys.agent }),
    400,
    'TG_REQUEST_INVALID',
  )
})

test('unknown routes, grants and resources are 404 problems', async () => {
  assertProblem(await call('GET', '/v1/nope', { token: keys.agent }), 404, 'TG_NOT_FOUND')
  assertProblem(await call('GET', '/v1/grants/does-not-exist', { token: keys.agent }), 404, 'TG_NOT_FOUND')
  const unknown = await call('POST', '/v1/grants', {
    token: keys.agent,
    body: { resource: 'nope', scope: 'select:x', task: 't' },
  })
  assertProblem(unknown, 404, 'TG_RESOURCE_UNKNOWN')
  // No OIDC issuer in this config.
  assertProblem(await call('GET', '/v1/auth/oidc'), 404, 'TG_NOT_FOUND')
})

test('a grant within auto-approve is active at once and carries its credential', async () => {
  const res = await call('POST', '/v1/grants', {
    token: keys.agent,
    body: { resource: resourceId, scope: ['select:public.items'], task: 'count items', ttl: '10m' },
  })
  assert.equal(res.status, 201, res.text)
  assert.equal(res.body.grant.status, 'active')
  assert.deepEqual(res.body.grant.scope, ['select:public.items'])
  assert.equal(res.body.credential.grantId, res.body.grant.id)
  assert.ok(res.body.credential.connection.password.length >= 16)
  assert.equal(res.body.denial, undefined)
  assert.equal(res.headers.get('cache-control'), 'no-store')

  const listed = await call('GET', '/v1/grants?status=active', { token: keys.agent })
  assert.ok(listed.body.grants.some((g: { id: string }) => g.id === res.body.grant.id))
  const again = await call('POST', `/v1/grants/${res.body.grant.id}/credential`, { token: keys.agent })
  assert.equal(again.status, 200)
  assert.notEqual(again.body.password, res.body.credential.password)
  const ended = await call('POST', `/v1/grants/${res.body.grant.id}/end`, { token: keys.agent, body: {} })
  assert.equal(ended.body.status, 'ended')
  assertProblem(
    await call('POST', `/v1/grants/${res.body.grant.id}/credential`, { token: keys.agent }),
    403,
    'TG_GRANT_NOT_ACTIVE',
  )
})

test('a policy denial is a value: 201, status denied, with the reason and the allowed scope', async () => {
  const res = await call('POST', '/v1/grants', {
    token: keys.agent,
    body: { resource: resourceId, scope: 'delete:public.items', task: 'clean up' },
  })
  assert.equal(res.status, 201, res.text)
  assert.equal(res.body.grant.status, 'denied')
  assert.equal(res.body.credential, undefined)
  assert.ok(res.body.denial.reason.length > 0)
  assert.deepEqual(res.body.denial.allowed, ['select:*', 'insert:public.*'])
})

test('a pending grant: the requester cannot approve it, another approver can', async () => {
  const requested = await call('POST', '/v1/grants', {
    token: keys.dba,
    body: { resource: resourceId, scope: 'delete:public.items', task: 'purge test rows' },
  })
  assert.equal(requested.body.grant.status, 'pending', requested.text)
  const approvalId = requested.body.grant.approvalId
  assert.ok(approvalId)
  const own = await call('POST', `/v1/approvals/${approvalId}/approve`, {
    token: keys.dba,
    body: { reason: 'mine' },
  })
  assertProblem(own, 403, 'TG_SELF_APPROVAL')
  const denyWithoutReason = await call('POST', `/v1/approvals/${approvalId}/deny`, {
    token: keys.admin,
    body: {},
  })
  assertProblem(denyWithoutReason, 400, 'TG_REQUEST_INVALID')
  const listed = await call('GET', `/v1/approvals?grantId=${requested.body.grant.id}&status=pending`, {
    token: keys.admin,
  })
  assert.deepEqual(
    listed.body.approvals.map((a: { id: string }) => a.id),
    [approvalId],
  )
  const approved = await call('POST', `/v1/approvals/${approvalId}/approve`, {
    token: keys.admin,
    body: { reason: 'ok' },
  })
  assert.equal(approved.status, 200, approved.text)
  assert.equal(approved.body.status, 'approved')
  const grant = await call('GET', `/v1/grants/${requested.body.grant.id}`, { token: keys.dba })
  assert.equal(grant.body.status, 'active')
  const revoked = await call('POST', `/v1/grants/${grant.body.id}/revoke`, {
    token: keys.admin,
    body: { reason: 'test over' },
  })
  assert.equal(revoked.body.status, 'ended')
  assert.equal(revoked.body.endReason, 'revoked')
})

test('service accounts: created by an admin with the key once, never the hash; forbidden to agents', async () => {
  const created = await call('POST', '/v1/service-accounts', {
    token: keys.admin,
    body: { name: `new-${suffix}`, groups: ['g'] },
  })
  assert.equal(created.status, 201, created.text)
  assert.ok(created.body.key)
  assert.equal(created.body.account.keyHash, undefined)
  const listed = await call('GET', '/v1/service-accounts', { token: keys.admin })
  assert.ok(listed.body.serviceAccounts.some((a: { name: string }) => a.name === `new-${suffix}`))
  assert.ok(!listed.text.includes('keyHash'))
  assertProblem(
    await call('POST', '/v1/service-accounts', {
      token: keys.agent,
      body: { name: `x-${suffix}`, groups: ['g'] },
    }),
    403,
    'TG_FORBIDDEN',
  )
  assertProblem(
    await call('POST', '/v1/service-accounts', {
      token: keys.admin,
      body: { name: `new-${suffix}`, groups: ['g'] },
    }),
    409,
    'TG_ALREADY_EXISTS',
  )
})

test('resources, sessions and audit answer; the audit chain verifies', async () => {
  const resources = await call('GET', '/v1/resources', { token: keys.agent })
  assert.deepEqual(
    resources.body.resources.map((r: { id: string }) => r.id),
    [resourceId],
  )
  assert.ok(!resources.text.includes('"target"'))
  assert.equal((await call('GET', '/v1/sessions', { token: keys.admin })).status, 200)
  const audit = await call('GET', '/v1/audit?order=desc&limit=3', { token: keys.admin })
  assert.equal(audit.status, 200)
  assert.ok(audit.body.entries.length <= 3 && audit.body.entries.length > 0)
  const verify = await call('GET', '/v1/audit/verify', { token: keys.admin })
  assert.equal(verify.body.ok, true, verify.text)
})

test('an internal error shows only a reference, never its detail', async () => {
  // fake-core: a fault (a bug throwing a plain Error) that the real core does not show on demand.
  const faulty: Core = Object.create(core, {
    listGrants: { value: async () => Promise.reject(new Error('connection string postgres://u:hunter2@db')) },
  })
  const other = createApiServer({ core: faulty, logger, listen: { host: '127.0.0.1', port: 0 } })
  const base = (await other.listen()).url
  try {
    const res = await call('GET', '/v1/grants', { token: keys.agent, base })
    assertProblem(res, 500, 'TG_INTERNAL')
    assert.match(res.body.detail, /^internal error, ref [a-z0-9]+$/)
    assert.ok(res.body.detail.endsWith(res.body.ref))
    assert.ok(!res.text.includes('hunter2'))
  } finally {
    await other.close()
  }
})

test('the OpenAPI document is valid JSON, version 3.1, and describes every route', async () => {
  const res = await call('GET', '/v1/openapi.json')
  assert.equal(res.status, 200)
  const doc = JSON.parse(res.text)
  assert.equal(doc.openapi, '3.1.0')
  const expected = [
    'GET /v1/health',
    'GET /v1/health/live',
    'GET /v1/health/ready',
    'GET /v1/auth/oidc',
    'GET /v1/whoami',
    'GET /v1/resources',
    'POST /v1/policy/replay',
    'POST /v1/resources/{id}/masking-test',
    'POST /v1/retention/run',
    'POST /v1/grants',
    'GET /v1/grants',
    'GET /v1/grants/{id}',
    'GET /v1/grants/{id}/evidence',
    'POST /v1/grants/{id}/credential',
    'POST /v1/grants/{id}/end',
    'POST /v1/grants/{id}/revoke',
    'GET /v1/advice/scopes',
    'GET /v1/approvals',
    'GET /v1/approvals/{id}',
    'POST /v1/approvals/{id}/approve',
    'POST /v1/approvals/{id}/deny',
    'GET /v1/service-accounts',
    'POST /v1/service-accounts',
    'POST /v1/service-accounts/{name}/rotate',
    'POST /v1/service-accounts/{name}/disable',
    'DELETE /v1/service-accounts/{name}',
    'DELETE /v1/sessions/{id}/legal-hold',
    'GET /v1/sessions',
    'GET /v1/sessions/{id}',
    'GET /v1/sessions/{id}/recordings',
    'GET /v1/sessions/{id}/recordings/{name}',
    'POST /v1/sessions/{id}/end',
    'POST /v1/sessions/{id}/legal-hold',
    'GET /v1/audit',
    'GET /v1/audit/sinks',
    'GET /v1/audit/verify',
    'GET /v1/events',
    'GET /v1/openapi.json',
  ]
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  )
  assert.deepEqual(documented.sort(), expected.sort())
  assert.equal(apiRoutes.length, expected.length)
  const operationIds = new Set<string>()
  for (const [path, ops] of Object.entries(
    doc.paths as Record<string, Record<string, Record<string, unknown>>>,
  )) {
    for (const op of Object.values(ops)) {
      assert.ok(!operationIds.has(op.operationId as string), `duplicate operationId ${op.operationId}`)
      operationIds.add(op.operationId as string)
      assert.ok(op.responses && Object.keys(op.responses).length > 0)
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      const declared = (op.parameters as Array<{ name: string; in: string }>)
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
      assert.deepEqual(declared, pathParams, `${path} declares its path parameters`)
    }
  }
  const requestGrant = doc.paths['/v1/grants'].post
  // A grant is requested with a scope or with a plan the gateway derives the scope from (exactly one).
  const requestBody = requestGrant.requestBody.content['application/json'].schema
  assert.deepEqual(requestBody.required, ['resource', 'task'])
  assert.ok(requestBody.properties.scope && requestBody.properties.plan, 'scope and plan are described')
  assert.equal(doc.components.schemas.Problem.properties.code.type, 'string')
})

test('with tls files configured the API speaks HTTPS', async () => {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
  })
  const cert = join(dir, 'api.crt')
  const key = join(dir, 'api.key')
  await writeFile(cert, pems.cert)
  await writeFile(key, pems.private)
  const secure = createApiServer({ core, logger, listen: { host: '127.0.0.1', port: 0 }, tls: { cert, key } })
  const base = (await secure.listen()).url
  try {
    assert.match(base, /^https:\/\/127\.0\.0\.1:\d+$/)
    const body = await new Promise<string>((resolve, reject) => {
      httpsGet(`${base}/v1/health`, { ca: pems.cert, checkServerIdentity: () => undefined }, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve(text))
      }).on('error', reject)
    })
    assert.equal(JSON.parse(body).status, 'ok')
  } finally {
    await secure.close()
  }
})
