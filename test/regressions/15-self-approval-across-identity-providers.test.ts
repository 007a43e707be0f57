// Issue 15: with SAML beside OIDC (and Slack approvers), one person reaches the gateway under several
// principal ids: `oidc:<sub>`, `saml:<provider>:<NameID>`, an approver entry's id. Self-approval was checked
// by principal id only, so a request made through one IdP could be approved by its own requester signed in
// through another. The same e-mail is the same person: such a decision is refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parseConfigText } from '../../src/config/load.ts'
import type { Principal } from '../../src/core/index.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../support/embedded-core.ts'

const suffix = Math.random().toString(36).slice(2, 8)
const config = parseConfigText(
  `
resources:
  - id: shop-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: shop, user: app }
policies:
  - group: dbas
    resources: [shop-db]
    ceiling: ["*:public.*"]
    autoApprove: ["select:public.*"]
    approvers: [dbas]
`,
  'regression.yaml',
)
const viaOidc: Principal = {
  id: `oidc:erin-${suffix}`,
  kind: 'person',
  name: `erin-${suffix}@example.com`,
  groups: ['dbas'],
  via: 'oidc',
}
const viaSaml: Principal = {
  id: `saml:corp:erin-${suffix}`,
  kind: 'person',
  name: `Erin-${suffix}@Example.com`,
  groups: ['dbas'],
  via: 'saml',
}
const colleague: Principal = {
  id: `saml:corp:frank-${suffix}`,
  kind: 'person',
  name: `frank-${suffix}@example.com`,
  groups: ['dbas'],
  via: 'saml',
}

let embedded: EmbeddedCore
before(async () => {
  embedded = await openEmbeddedCore(config)
})
after(() => embedded[Symbol.asyncDispose]())

test("one's own request, signed in through another IdP (same e-mail, any case), is still one's own", async () => {
  const { grant } = await embedded.core.requestGrant(viaOidc, {
    resourceId: 'shop-db',
    scope: 'delete:public.orders',
    task: 'remove test orders',
  })
  assert.ok(grant.approvalId)
  await assert.rejects(embedded.core.decideApproval(viaSaml, grant.approvalId, 'approve', 'fine by me'), {
    code: 'TG_SELF_APPROVAL',
  })
  const decided = await embedded.core.decideApproval(colleague, grant.approvalId, 'approve', 'ticket OPS-7')
  assert.equal(decided.status, 'approved')
})
