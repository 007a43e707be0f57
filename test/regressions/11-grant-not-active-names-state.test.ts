// Issue 11 (item 14): TG_GRANT_NOT_ACTIVE said "not active (ended, expired, revoked or still pending)",
// leaving the holder to guess which. It now names the state: pending on which approval, denied why, ended
// how and when.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { billingDbConfig } from '../support/billing-db-config.ts'
import { openEmbeddedCore } from '../support/embedded-core.ts'
import { agentBot as agent, dbaDana as dba } from '../support/principals.ts'

const config = billingDbConfig()

test('a credential for a grant that is not active says which state it is in', async () => {
  await using opened = await openEmbeddedCore(config)
  const { core } = opened
  const ask = (scope: string) =>
    core.requestGrant(agent, { resourceId: 'billing-db', scope, task: 'fix 8841' })

  const pending = (await ask('update:billing.invoices')).grant
  await assert.rejects(core.issueCredential(agent, pending.id), {
    code: 'TG_GRANT_NOT_ACTIVE',
    message: `The grant ${pending.id} is pending (waiting for approval ${pending.approvalId}); try again once an approver has approved it.`,
  })

  const refused = (await ask('update:billing.invoices')).grant
  await core.decideApproval(dba, refused.approvalId!, 'deny', 'use the read replica')
  await assert.rejects(core.issueCredential(agent, refused.id), {
    code: 'TG_GRANT_NOT_ACTIVE',
    message: new RegExp(
      `^The grant ${refused.id} is denied \\(.*use the read replica.*\\); request a new one`,
    ),
  })

  const done = (await ask('select:billing.invoices')).grant
  await core.endGrant(agent, done.id)
  await assert.rejects(core.issueCredential(agent, done.id), {
    code: 'TG_GRANT_NOT_ACTIVE',
    message: new RegExp(
      `^The grant ${done.id} is ended \\(completed at \\d{4}-\\d\\d-\\d\\dT[^)]+\\); request a new one`,
    ),
  })
})
