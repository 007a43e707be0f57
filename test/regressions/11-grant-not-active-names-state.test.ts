// Issue 11 (item 14): TG_GRANT_NOT_ACTIVE said "not active (ended, expired, revoked or still pending)",
// leaving the holder to guess which. It now names the state: pending on which approval, denied why, ended
// how and when.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../../src/config/load.ts'
import type { Principal } from '../../src/core/index.ts'
import { openEmbeddedCore } from '../support/embedded-core.ts'

const config = parseConfigText(
  `
resources:
  - id: billing-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: billing, user: app }
policies:
  - group: agents
    resources: [billing-db]
    ceiling: ["select:billing.*", "update:billing.invoices"]
    autoApprove: ["select:billing.*"]
    approvers: [dbas]
`,
  'test.yaml',
)
const agent: Principal = {
  id: 'sa:bot',
  kind: 'agent',
  name: 'bot',
  groups: ['agents'],
  via: 'service-account',
}
const dba: Principal = { id: 'oidc:dana', kind: 'person', name: 'dana', groups: ['dbas'], via: 'oidc' }

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
