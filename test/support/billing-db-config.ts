// The config most grant tests run on: one PostgreSQL resource `billing-db` whose agents read billing.* at once
// and may ask the dbas to update invoices. Tests that need more add lines to the agents' policy or whole
// policies, so each states only what it changes.
import { parseConfigText } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'

export interface BillingDbOptions {
  /** The agents' ceiling; by default reading billing.* and updating billing.invoices. */
  agentsCeiling?: string[]
  /** More lines of the agents' policy, indented by four spaces (`    maxTtl: 1h`). */
  agentsPolicy?: string
  /** More policies, as YAML list entries indented by two spaces. */
  morePolicies?: string
}

export function billingDbConfig(options: BillingDbOptions = {}): Config {
  const ceiling = options.agentsCeiling ?? ['select:billing.*', 'update:billing.invoices']
  return parseConfigText(
    `
resources:
  - id: billing-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: billing, user: app }
policies:
  - group: agents
    resources: [billing-db]
    ceiling: ${JSON.stringify(ceiling)}
    autoApprove: ["select:billing.*"]
    approvers: [dbas]
${options.agentsPolicy ?? ''}
${options.morePolicies ?? ''}
`,
    'test.yaml',
  )
}
