// The config of the control-plane API tests: one PostgreSQL resource `pg-<suffix>` on the machine's server,
// whose group `agents-<suffix>` asks the group `dbas-<suffix>` for approval; names carry the test's random
// suffix so tests sharing a store never meet. Each test states only its ceilings and auto-approve scope.
import { parseConfigText } from '../../src/config/load.ts'
import type { Config } from '../../src/config/schema.ts'

export interface SuffixedPostgresOptions {
  agentsCeiling: string[]
  agentsAutoApprove: string[]
  /** Whether the dbas have a policy of their own on the resource (`*:*`, approving each other). */
  dbasPolicy?: boolean
  /** More top-level YAML (guardrails:, approvals:). */
  more?: string
}

export function suffixedPostgresConfig(suffix: string, options: SuffixedPostgresOptions): Config {
  const resourceId = `pg-${suffix}`
  const dbas = `
  - group: dbas-${suffix}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    approvers: [dbas-${suffix}]`
  return parseConfigText(
    `
resources:
  - id: ${resourceId}
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: postgres, user: postgres }
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ${JSON.stringify(options.agentsCeiling)}
    autoApprove: ${JSON.stringify(options.agentsAutoApprove)}
    approvers: [dbas-${suffix}]${options.dbasPolicy === false ? '' : dbas}
${options.more ?? ''}
`,
    `pg-${suffix}-test.yaml`,
  )
}
