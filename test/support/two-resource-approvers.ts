// Two PostgreSQL resources with approvers of their own (prod-approvers, dev-approvers), an agent
// auto-approved for reads on both, and an administrator: the fixture of the visibility regressions
// (who sees which resource's sessions, audit entries, replay and advice).
import { parseConfigText } from '../../src/config/load.ts'
import type { Principal } from '../../src/core/index.ts'

const suffix = Math.random().toString(36).slice(2, 8)

export const twoResourceConfig = parseConfigText(
  `
resources:
  - id: prod-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: prod, user: app }
  - id: dev-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: dev, user: app }
policies:
  - group: agents
    resources: [prod-db]
    ceiling: ["select:public.*"]
    autoApprove: ["select:public.*"]
    approvers: [prod-approvers]
  - group: agents
    resources: [dev-db]
    ceiling: ["select:public.*"]
    autoApprove: ["select:public.*"]
    approvers: [dev-approvers]
`,
  'regression.yaml',
)

const person = (name: string, groups: string[]): Principal => ({
  id: `oidc:${name}-${suffix}`,
  kind: 'person',
  name: `${name}-${suffix}@example.com`,
  groups,
  via: 'oidc',
})

export const agent: Principal = {
  id: `sa:bot-${suffix}`,
  kind: 'agent',
  name: `bot-${suffix}`,
  groups: ['agents'],
  via: 'service-account',
}
export const prodApprover = person('pat', ['prod-approvers'])
export const devApprover = person('dana', ['dev-approvers'])
export const admin = person('ada', ['taskgate-admins'])
