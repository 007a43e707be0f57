// Outside review, session 7: a grant is shown to its requester, administrators and the approvers of its
// resource, but sessions (their recorded statements and commands, result samples, terminal recordings) were
// shown to the approvers of any resource: an approver of a dev database read every production SSH session,
// command output included. A session is now seen as its grant is: its principal, administrators, and the
// approvers of the session's resource.
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

let embedded: EmbeddedCore
before(async () => {
  embedded = await openEmbeddedCore(config)
})
after(() => embedded[Symbol.asyncDispose]())

test("a session is seen by its principal, administrators and its resource's approvers only", async () => {
  const { core } = embedded
  const open = async (resourceId: string, text: string) => {
    const { grant } = await core.requestGrant(agent, { resourceId, scope: 'select:public.*', task: 'report' })
    const resource = config.resources.find((r) => r.id === resourceId)!
    const { session } = await openClosableSession(core, grant, resource)
    core.recordAction(session, { kind: 'SELECT', text, outcome: 'allow' })
    return session.id
  }
  const prodSession = await open('prod-db', 'SELECT card FROM public.customers')
  const devSession = await open('dev-db', 'SELECT 1')

  const ids = async (actor: Principal) => (await core.listSessions(actor, {})).map((s) => s.id).sort()
  assert.deepEqual(await ids(devApprover), [devSession], 'the dev approver lists dev sessions only')
  assert.deepEqual(await ids(prodApprover), [prodSession])
  assert.deepEqual(await ids(admin), [devSession, prodSession].sort())
  assert.deepEqual(await ids(agent), [devSession, prodSession].sort(), 'the agent lists its own')
  assert.deepEqual(
    (await core.listSessions(devApprover, { resourceId: 'prod-db' })).map((s) => s.id),
    [],
    'asking for the other resource by name shows nothing either',
  )

  await assert.rejects(core.getSession(devApprover, prodSession), { code: 'TG_NOT_FOUND' })
  const seen = await core.getSession(prodApprover, prodSession)
  assert.match(seen.actions.map((a) => a.text).join('\n'), /customers/)
  await core.getSession(devApprover, devSession)
  await core.getSession(admin, prodSession)
  await core.getSession(agent, prodSession)
})
