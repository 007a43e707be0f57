// The grant lifecycle through core on a real embedded store with a manual clock: request -> granted /
// pending -> approved or denied / denied by ceiling; TTL expiry, revoke, end, session-bound end; the
// credential stops working after each; nobody approves their own request.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type Core, ManualClock, type Principal } from '../../../src/core/index.ts'
import { billingDbConfig } from '../../support/billing-db-config.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../../support/embedded-core.ts'
import { agentBot as agent, dbaDana as dba } from '../../support/principals.ts'

const config = billingDbConfig({
  agentsPolicy: '    maxTtl: 1h',
  morePolicies: `  - group: dbas
    resources: [billing-db]
    ceiling: ["*:*"]
    approvers: [dbas]`,
})

const dba2: Principal = { id: 'oidc:dave', kind: 'person', name: 'dave', groups: ['dbas'], via: 'oidc' }
const stranger: Principal = {
  id: 'oidc:eve',
  kind: 'person',
  name: 'eve',
  groups: ['marketing'],
  via: 'oidc',
}

let opened: EmbeddedCore
let core: Core
const clock = new ManualClock('2026-03-01T10:00:00Z')

before(async () => {
  opened = await openEmbeddedCore(config, { clock })
  ;({ core } = opened)
})

after(() => opened[Symbol.asyncDispose]())

const until = async (check: () => Promise<boolean>, ms = 2000) => {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  assert.fail('condition not reached in time')
}

test('a request within the auto-approve scope is granted at once with a working credential', async () => {
  const { grant, credential } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'select:billing.invoices',
    task: 'investigate invoice 8841',
    ttl: '15m',
  })
  assert.equal(grant.status, 'active')
  assert.ok(credential)
  assert.equal(credential.connection.database, 'billing')
  assert.equal(grant.expiresAt?.getTime(), clock.now().getTime() + 15 * 60_000)
  const ctx = await core.authenticateCredential('billing-db', credential.username, credential.password)
  assert.equal(ctx.grant.id, grant.id)
  await assert.rejects(
    core.authenticateCredential('billing-db', credential.username, `${credential.password}x`),
    { code: 'TG_CREDENTIAL_INVALID' },
  )
  await assert.rejects(core.authenticateCredential('other-db', credential.username, credential.password), {
    code: 'TG_CREDENTIAL_INVALID',
  })
})

test('a request beyond the ceiling is denied and names what is allowed', async () => {
  const result = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'delete:billing.invoices',
    task: 'cleanup',
  })
  assert.equal(result.grant.status, 'denied')
  assert.match(
    result.grant.decisionReason ?? '',
    /beyond your ceiling.*select:billing\.\*,update:billing\.invoices/,
  )
  assert.deepEqual(
    result.allowed?.map((e) => `${e.verb}:${e.object}`),
    ['select:billing.*', 'update:billing.invoices'],
  )
  assert.equal(result.credential, undefined)
})

test('no policy, unknown resource, bad scope, TTL above the maximum: clear refusals', async () => {
  const none = await core.requestGrant(stranger, {
    resourceId: 'billing-db',
    scope: 'select:billing.x',
    task: 't',
  })
  assert.match(none.grant.decisionReason ?? '', /No policy gives your groups access/)
  await assert.rejects(core.requestGrant(agent, { resourceId: 'nope', scope: 'select:a', task: 't' }), {
    code: 'TG_RESOURCE_UNKNOWN',
  })
  await assert.rejects(core.requestGrant(agent, { resourceId: 'billing-db', scope: 'select', task: 't' }), {
    code: 'TG_SCOPE_INVALID',
  })
  await assert.rejects(
    core.requestGrant(agent, { resourceId: 'billing-db', scope: 'select:billing.x', task: ' ' }),
    { code: 'TG_REQUEST_INVALID' },
  )
  const long = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'select:billing.x',
    task: 't',
    ttl: '2h',
  })
  assert.match(long.grant.decisionReason ?? '', /exceeds the maximum 1h/)
})

test('above auto-approve: pending, nobody approves their own, an approver approves, the owner gets the credential', async () => {
  const { grant } = await core.requestGrant(dba, {
    resourceId: 'billing-db',
    scope: 'delete:billing.invoices',
    task: 'fix duplicates',
  })
  assert.equal(grant.status, 'pending')
  assert.ok(grant.approvalId)
  await assert.rejects(core.decideApproval(dba, grant.approvalId, 'approve', 'mine'), {
    code: 'TG_SELF_APPROVAL',
  })
  await assert.rejects(core.decideApproval(agent, grant.approvalId, 'approve', 'ok'), {
    code: 'TG_FORBIDDEN',
  })
  await assert.rejects(core.issueCredential(dba, grant.id), { code: 'TG_GRANT_NOT_ACTIVE' })
  const approved = await core.decideApproval(dba2, grant.approvalId, 'approve', 'ticket OPS-12')
  assert.equal(approved.status, 'approved')
  await assert.rejects(core.decideApproval(dba2, grant.approvalId, 'deny', 'too late'), {
    code: 'TG_CONFLICT',
  })
  await assert.rejects(core.issueCredential(dba2, grant.id), { code: 'TG_FORBIDDEN' })
  const credential = await core.issueCredential(dba, grant.id)
  assert.equal((await core.getGrant(dba, grant.id)).status, 'active')
  await core.authenticateCredential('billing-db', credential.username, credential.password)
  // Issuing again adds a credential; the first keeps working (several-credentials.test.ts covers the rest).
  const again = await core.issueCredential(dba, grant.id)
  assert.notEqual(again.username, credential.username)
  await core.authenticateCredential('billing-db', again.username, again.password)
  await core.authenticateCredential('billing-db', credential.username, credential.password)
})

test('an approver denies: the grant is denied and never yields a credential', async () => {
  const { grant } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'update:billing.invoices',
    task: 'correct a total',
  })
  await core.decideApproval(dba, grant.approvalId!, 'deny', 'use the admin tool')
  const denied = await core.getGrant(agent, grant.id)
  assert.equal(denied.status, 'denied')
  assert.match(denied.decisionReason ?? '', /use the admin tool/)
  await assert.rejects(core.issueCredential(agent, grant.id), { code: 'TG_GRANT_NOT_ACTIVE' })
})

test('TTL expiry ends the grant and its live session, and the credential stops working', async () => {
  const { grant, credential } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'select:billing.x',
    task: 'ttl',
    ttl: '60s',
  })
  const context = await core.authenticateCredential('billing-db', credential!.username, credential!.password)
  let closedWith = ''
  await core.openSession({
    context,
    protocol: 'test',
    client: '127.0.0.1',
    close: (r) => {
      closedWith = r
    },
  })
  clock.advance(61_000)
  await until(async () => (await core.getGrant(agent, grant.id)).status === 'ended')
  assert.equal((await core.getGrant(agent, grant.id)).endReason, 'expired')
  assert.match(closedWith, /expired/)
  await assert.rejects(
    core.authenticateCredential('billing-db', credential!.username, credential!.password),
    { code: 'TG_GRANT_NOT_ACTIVE', message: /is ended \(expired at / },
  )
})

test('revoke closes sessions at once; only approvers or admins revoke, with a reason', async () => {
  const { grant, credential } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'select:billing.x',
    task: 'revoke me',
  })
  const context = await core.authenticateCredential('billing-db', credential!.username, credential!.password)
  let closedWith = ''
  await core.openSession({
    context,
    protocol: 'test',
    client: 'x',
    close: (r) => {
      closedWith = r
    },
  })
  await assert.rejects(core.revokeGrant(agent, grant.id, 'nope'), { code: 'TG_FORBIDDEN' })
  await assert.rejects(core.revokeGrant(dba, grant.id, ''), { code: 'TG_REQUEST_INVALID' })
  const revoked = await core.revokeGrant(dba, grant.id, 'suspicious activity')
  assert.equal(revoked.endReason, 'revoked')
  assert.match(closedWith, /revoked: suspicious activity/)
  await assert.rejects(
    core.authenticateCredential('billing-db', credential!.username, credential!.password),
    { code: 'TG_GRANT_NOT_ACTIVE', message: /is ended \(revoked at / },
  )
  await assert.rejects(core.revokeGrant(dba, grant.id, 'again'), { code: 'TG_CONFLICT' })
})

test('marking the task done ends the grant', async () => {
  const { grant, credential } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'select:billing.x',
    task: 'done soon',
  })
  const ended = await core.endGrant(agent, grant.id)
  assert.equal(ended.endReason, 'completed')
  await assert.rejects(core.authenticateCredential('billing-db', credential!.username, credential!.password))
})

test('a session-bound grant ends when its session disconnects', async () => {
  const { grant, credential } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'select:billing.x',
    task: 'one shot',
    sessionBound: true,
  })
  const context = await core.authenticateCredential('billing-db', credential!.username, credential!.password)
  const session = await core.openSession({ context, protocol: 'test', client: 'x', close: () => {} })
  await core.closeSession(session, 'client disconnected')
  const ended = await core.getGrant(agent, grant.id)
  assert.equal(ended.status, 'ended')
  assert.equal(ended.endReason, 'session-closed')
  await assert.rejects(core.authenticateCredential('billing-db', credential!.username, credential!.password))
})

test('a pending request nobody decides expires and is cancelled', async () => {
  const { grant } = await core.requestGrant(agent, {
    resourceId: 'billing-db',
    scope: 'update:billing.invoices',
    task: 'waits forever',
  })
  clock.advance(16 * 60_000)
  await until(async () => (await core.getGrant(agent, grant.id)).status === 'ended')
  const approval = await core.getApproval(agent, grant.approvalId!)
  assert.equal(approval.status, 'expired')
})

test('every step is in the audit log and the chain verifies', async () => {
  const admin: Principal = {
    id: 'sa:admin',
    kind: 'service',
    name: 'admin',
    groups: ['taskgate-admins'],
    via: 'service-account',
  }
  const types = new Set((await core.listAudit(admin, { limit: 10_000 })).map((e) => e.type))
  for (const t of [
    'grant.requested',
    'grant.issued',
    'grant.denied',
    'grant.approved',
    'grant.expired',
    'grant.revoked',
    'grant.ended',
    'approval.requested',
    'approval.expired',
    'session.started',
    'session.ended',
  ]) {
    assert.ok(types.has(t as never), `missing ${t}`)
  }
  assert.deepEqual((await core.verifyAudit(admin)).ok, true)
  await assert.rejects(core.listAudit(agent, {}), { code: 'TG_FORBIDDEN' })
})
