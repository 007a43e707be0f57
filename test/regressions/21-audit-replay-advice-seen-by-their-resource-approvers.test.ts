// Outside review, session 7 (after regression 20 scoped sessions): the audit log, policy replay and scope
// advice were still open to the approvers of any resource, and they carry statement text and commands of
// every resource (an action.denied entry holds the statement, replay quotes examples, advice lists each
// grant's statements): a dev-database approver read production commands through them. They are now scoped as
// sessions are: an administrator sees everything; an approver the entries, sessions and grants of the
// resources they approve, and the entries they are the actor of. An entry of no resource (a service account
// created, retention, the gateway starting) is an administrator's. Verification still reads the whole chain
// (its answer holds no entry), so approvers keep it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Principal } from '../../src/core/index.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../support/embedded-core.ts'
import { openClosableSession } from '../support/open-closable-session.ts'
import {
  admin,
  agent,
  twoResourceConfig as config,
  devApprover,
  prodApprover,
} from '../support/two-resource-approvers.ts'

const PROD_SECRET = 'DELETE FROM public.customers_prod_secret'

let embedded: EmbeddedCore
let prod: { grant: string; session: string }
let dev: { grant: string; session: string }
before(async () => {
  embedded = await openEmbeddedCore(config)
  const { core } = embedded
  const open = async (resourceId: string, text: string) => {
    const { grant } = await core.requestGrant(agent, { resourceId, scope: 'select:public.*', task: 'report' })
    const resource = config.resources.find((r) => r.id === resourceId)!
    const { session } = await openClosableSession(core, grant, resource)
    core.recordAction(session, { kind: 'SELECT', text: 'SELECT 1', outcome: 'allow', needs: [] })
    // As the data path audits a statement the policy refused (decide-for-session.ts).
    await core.audit({
      type: 'action.denied',
      actor: agent.id,
      subject: session.id,
      data: { rule: 'scope', kind: 'DELETE', text },
    })
    return { grant: grant.id, session: session.id }
  }
  prod = await open('prod-db', PROD_SECRET)
  dev = await open('dev-db', 'DELETE FROM public.dev_scratch')
  // A failed login names the resource it was for; a service account concerns none.
  await core.audit({ type: 'login.failed', actor: 'tg_guess', subject: 'prod-db', data: { reason: 'bad' } })
  await core.audit({
    type: 'service_account.created',
    actor: admin.id,
    subject: 'sa:x',
    data: { groups: [] },
  })
})
after(() => embedded[Symbol.asyncDispose]())

const mentions = (entries: { subject?: string; data?: Record<string, unknown> }[], what: string) =>
  entries.some((e) => JSON.stringify(e).includes(what))

test('the audit log shows an approver the entries of their own resources only, whatever the filter', async () => {
  const { core } = embedded
  const devView = await core.listAudit(devApprover, {})
  assert.ok(devView.length > 0)
  assert.equal(mentions(devView, 'customers_prod_secret'), false, 'no production statement')
  assert.equal(mentions(devView, prod.session) || mentions(devView, prod.grant), false, 'no production entry')
  assert.ok(mentions(devView, 'dev_scratch') && mentions(devView, dev.grant), 'their own resource in full')
  assert.equal(mentions(devView, 'tg_guess'), false, "a failed login on prod-db is prod-db's")
  assert.equal(mentions(devView, 'sa:x'), false, 'an entry of no resource is for administrators')
  assert.deepEqual(await core.listAudit(devApprover, { text: 'customers_prod_secret' }), [])
  assert.deepEqual(await core.listAudit(devApprover, { subject: prod.session }), [])

  const prodView = await core.listAudit(prodApprover, {})
  assert.ok(mentions(prodView, 'customers_prod_secret') && mentions(prodView, 'tg_guess'))
  assert.equal(mentions(prodView, 'dev_scratch'), false)

  const all = await core.listAudit(admin, {})
  assert.ok(mentions(all, 'customers_prod_secret') && mentions(all, 'dev_scratch') && mentions(all, 'sa:x'))

  // Limits and order hold on the scoped view: the newest two of the dev approver's, in order.
  const newest = await core.listAudit(devApprover, { descending: true, limit: 2 })
  assert.deepEqual(
    newest.map((e) => e.seq),
    devView
      .map((e) => e.seq)
      .reverse()
      .slice(0, 2),
  )
  await assert.rejects(core.listAudit(agent, {}), { code: 'TG_FORBIDDEN' })
  assert.equal(
    (await core.verifyAudit(devApprover)).ok,
    true,
    'verification reads the chain, shows none of it',
  )
})

test('policy replay and scope advice read only the approver’s resources', async () => {
  const { core } = embedded
  const since = new Date(Date.now() - 3_600_000)
  const replayed = async (actor: Principal) => {
    const r = await core.replayPolicy(actor, { candidate: config, since })
    return r.statements + r.skipped
  }
  assert.equal(await replayed(devApprover), 1, 'the dev session only')
  assert.equal(await replayed(admin), 2)

  const advised = async (actor: Principal, resourceId?: string) =>
    (await core.adviseScopes(actor, { since, ...(resourceId ? { resourceId } : {}) })).grants
      .map((g) => g.grantId)
      .sort()
  assert.deepEqual(await advised(devApprover), [dev.grant])
  assert.deepEqual(await advised(devApprover, 'prod-db'), [])
  assert.deepEqual(await advised(prodApprover), [prod.grant])
  assert.deepEqual(await advised(admin), [dev.grant, prod.grant].sort())
})
