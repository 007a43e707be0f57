// Held statements through core on a real embedded store: approve -> allowed exactly once; deny -> denied
// with the approver's reason; timeout -> denied; nobody approves their own statement; approvers notified.
// Every decision needs a reason, kept on the approval and in the audit log; an approval is bound to the
// digest of the statement text and parameters it was granted for, and nothing else consumes it.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { parseConfigText } from '../../../src/config/load.ts'
import {
  type Action,
  type Approval,
  actionDigest,
  type Core,
  createCore,
  type SessionHandle,
} from '../../../src/core/index.ts'
import { openEmbeddedStore } from '../../../src/store/embedded/index.ts'
import type { Store } from '../../../src/store/store.ts'
import { agentBot as agent, dbaDana as dba } from '../../support/principals.ts'

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
    autoApprove: ["*:public.*"]
    approvers: [dbas]
guardrails:
  - id: hold-deletes
    description: deletes from orders need a second pair of eyes
    action: approve
    match: { needs: ["delete:public.orders"] }
  - id: no-destructive-ddl
    description: DROP needs a person
    action: approve
approvals:
  actionTimeout: 2s
`,
  'test.yaml',
)

let dir: string
let store: Store
let core: Core
let session: SessionHandle
const notified: Array<[string, Approval]> = []

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-held-'))
  store = await openEmbeddedStore({ dir })
  core = createCore({
    config,
    store,
    logger: pino({ level: 'silent' }),
    approvalListeners: [(t, a) => notified.push([t, a])],
  })
  const { credential } = await core.requestGrant(agent, {
    resourceId: 'shop-db',
    scope: '*:public.*',
    task: 'clean test orders',
  })
  const context = await core.authenticateCredential('shop-db', credential!.username, credential!.password)
  session = await core.openSession({ context, protocol: 'test', client: 'x', close: () => {} })
})

after(async () => {
  await core.close()
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

const del = (id: number): Action => ({
  protocol: 'postgres',
  kind: 'DeleteStmt',
  needs: [{ verb: 'delete', object: 'public.orders' }],
  traits: ['writes'],
  text: `delete from orders where id = ${id}`,
})

async function hold(action: Action, digest = actionDigest(action.text)) {
  const decision = await core.decide(session, action)
  assert.equal(decision.outcome, 'approve-first')
  if (decision.outcome !== 'approve-first') throw new Error('unreachable')
  assert.equal(decision.rule, 'guardrail:hold-deletes')
  return core.holdAction(session, decision, action, digest)
}

test('approved: the held statement is allowed once and approvers were notified', async () => {
  const held = await hold(del(1))
  const requested = notified.find(([t, a]) => t === 'approval.requested' && a.id === held.approvalId)
  assert.ok(requested)
  assert.equal(requested[1].summary, 'delete from orders where id = 1')
  assert.deepEqual(requested[1].approverGroups, ['dbas'])
  const waiting = held.wait()
  await assert.rejects(core.decideApproval(agent, held.approvalId, 'approve', 'mine'), {
    code: 'TG_SELF_APPROVAL',
  })
  await core.decideApproval(dba, held.approvalId, 'approve', 'checked the ids')
  assert.deepEqual(await waiting, { outcome: 'allow' })
  const decided = notified.find(([t, a]) => t === 'approval.approved' && a.id === held.approvalId)
  assert.equal(decided?.[1].decidedByName, 'dana')
  assert.equal(decided?.[1].decisionReason, 'checked the ids')
  // The approval was consumed: waiting on it again does not allow a second run.
  const replay = await held.wait()
  assert.equal(replay.outcome, 'deny')
})

test('denied: the client learns who denied and why', async () => {
  const held = await hold(del(2))
  const waiting = held.wait()
  await core.decideApproval(dba, held.approvalId, 'deny', 'wrong customer')
  const d = await waiting
  assert.equal(d.outcome === 'deny' && d.code, 'TG_APPROVAL_DENIED')
  assert.match(d.outcome === 'deny' ? d.reason : '', /dana: wrong customer/)
})

test('nobody decides: the statement times out and the approval expires', async () => {
  const held = await hold(del(3))
  const d = await held.wait()
  assert.equal(d.outcome === 'deny' && d.code, 'TG_APPROVAL_TIMEOUT')
  assert.equal((await core.getApproval(dba, held.approvalId)).status, 'expired')
})

test('the client going away expires the approval', async () => {
  const held = await hold(del(4))
  const abort = new AbortController()
  const waiting = held.wait(abort.signal)
  abort.abort()
  assert.equal((await waiting).outcome, 'deny')
  assert.equal((await core.getApproval(dba, held.approvalId)).status, 'expired')
})

test('a built-in guardrail can be turned from deny into approve by id', async () => {
  const drop: Action = {
    protocol: 'postgres',
    kind: 'DropStmt',
    needs: [{ verb: 'drop', object: 'public.tmp' }],
    traits: ['destructive-ddl', 'ddl'],
    text: 'drop table tmp',
  }
  const decision = await core.decide(session, drop)
  assert.equal(decision.outcome, 'approve-first')
  assert.equal(decision.outcome === 'approve-first' && decision.rule, 'guardrail:no-destructive-ddl')
})

test('a decision without a reason is refused, for approve and deny alike, and changes nothing', async () => {
  const held = await hold(del(5))
  for (const verdict of ['approve', 'deny'] as const) {
    for (const reason of ['', '   \n', undefined as unknown as string]) {
      await assert.rejects(core.decideApproval(dba, held.approvalId, verdict, reason), {
        code: 'TG_APPROVAL_REASON_REQUIRED',
      })
    }
  }
  assert.equal((await core.getApproval(dba, held.approvalId)).status, 'pending')
  const waiting = held.wait()
  await core.decideApproval(dba, held.approvalId, 'approve', '  only row 5, ticket OPS-9 ')
  assert.deepEqual(await waiting, { outcome: 'allow' })
  // Who, when and why: on the approval record and in its audit entry.
  const stored = (await store.approvals.get(held.approvalId))!
  assert.equal(stored.decidedBy, dba.id)
  assert.equal(stored.decidedByName, 'dana')
  assert.ok(stored.decidedAt instanceof Date)
  assert.equal(stored.decisionReason, 'only row 5, ticket OPS-9')
  const [entry] = await store.audit.list({ type: 'approval.approved', subject: held.approvalId })
  assert.ok(entry, 'the decision is audited')
  assert.equal(entry.actor, dba.id)
  assert.ok(entry.at instanceof Date)
  assert.equal((entry.data as { reason?: string }).reason, 'only row 5, ticket OPS-9')
})

test('an approval is consumed only by the statement and parameter values it was granted for', async () => {
  const text = 'delete from orders where id = $1'
  const granted = actionDigest(text, ['6'])
  const held = await hold({ ...del(6), text }, granted)
  assert.equal((await store.approvals.get(held.approvalId))!.digest, granted)
  await core.decideApproval(dba, held.approvalId, 'approve', 'row 6 only')
  const now = new Date()
  for (const other of [
    actionDigest(text, ['7']),
    actionDigest(text, [null]),
    actionDigest(text),
    actionDigest('delete from orders', ['6']),
    actionDigest('delete from orders where id = $1 or true', ['6']),
  ]) {
    assert.equal(await store.approvals.consume(held.approvalId, other, now), false, other)
  }
  assert.equal((await store.approvals.get(held.approvalId))!.consumedAt, undefined, 'still unused')
  // The execution it was granted for still runs, once.
  assert.deepEqual(await held.wait(), { outcome: 'allow' })
  assert.equal(await store.approvals.consume(held.approvalId, granted, now), false, 'used once')
})
