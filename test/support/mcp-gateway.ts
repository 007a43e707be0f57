// A whole gateway (startGateway from src/main.ts: embedded store in a temp dir, the API with /mcp, one
// postgres resource in front of a throwaway database) for MCP tests, with an agent that may read
// billing.* at once and write it with a DBA's approval, a DBA who approves, a guardrail that holds payment
// deletes for a human, and a masking rule for the e-mails and card numbers in billing.customers.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfigText } from '../../src/config/load.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from './postgres.ts'

export interface McpGatewayOptions {
  /** Names the agent `agent-<suffix>` in group `agents-<suffix>` (an IdP's token can then carry that group). */
  suffix?: string
  /** The resource's `clients` section, e.g. `{ requireTls: true, authMethod: password }`. */
  clients?: { requireTls?: boolean; authMethod?: 'scram-sha-256' | 'password' }
  /** A test IdP whose tokens the gateway accepts (identity.oidc). */
  oidc?: { issuer: string; audience: string; clientId: string }
}

export interface McpGateway extends AsyncDisposable {
  gateway: Gateway
  db: ThrowawayDatabase
  resourceId: string
  /** The group the agent's policy applies to. */
  agentGroup: string
  apiUrl: string
  agentKey: string
  dbaKey: string
  /** An administrator's key: the whole audit log (an approver reads the entries of its resources). */
  adminKey: string
  /** Approves (or denies) an approval through the REST API as the DBA, saying why. */
  decide(approvalId: string, verdict: 'approve' | 'deny', reason: string): Promise<void>
}

const SETUP_SQL = `
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id int PRIMARY KEY, customer text NOT NULL, amount numeric(10,2) NOT NULL,
  paid boolean NOT NULL DEFAULT false, issued_at timestamptz NOT NULL DEFAULT '2024-01-02T03:04:05Z');
INSERT INTO billing.invoices (id, customer, amount, paid) VALUES
  (1, 'acme', 120.50, true), (2, 'globex', 99.00, false), (3, 'initech', 5.25, false);
CREATE TABLE billing.payments (id int PRIMARY KEY, invoice_id int NOT NULL);
INSERT INTO billing.payments VALUES (10, 1);
CREATE TABLE billing.customers (id int PRIMARY KEY, name text NOT NULL, email text, card text);
INSERT INTO billing.customers VALUES
  (1, 'acme', 'ada@acme.example', '4111 1111 1111 1111'), (2, 'globex', 'bob@globex.example', '5500 0000 0000 0004');
`

/** The clear values in billing.customers that masking must keep inside the gateway. */
export const CLEAR_CUSTOMER_VALUES = [
  'ada@acme.example',
  'bob@globex.example',
  '4111 1111 1111 1111',
  '5500 0000 0000 0004',
]

export async function startMcpGateway(options: McpGatewayOptions = {}): Promise<McpGateway> {
  const db = await createThrowawayDatabase('tg_mcp')
  await db.query(SETUP_SQL)
  const dir = await mkdtemp(join(tmpdir(), 'tg-mcp-'))
  const suffix = options.suffix ?? randomBytes(3).toString('hex')
  const resourceId = `billing-${suffix}`
  const config = parseConfigText(
    `
store: { dir: ${JSON.stringify(dir)} }
api: { listen: { host: 127.0.0.1, port: 0 } }
${options.oidc ? `identity:\n  oidc: ${JSON.stringify({ ...options.oidc, allowInsecureHttp: true })}` : ''}
agents:
  - { name: agent-${suffix}, groups: [agents-${suffix}] }
  - { name: dba-${suffix}, groups: [dbas-${suffix}] }
  - { name: auditor-${suffix}, groups: [taskgate-admins] }
resources:
  - id: ${resourceId}
    kind: postgres
    description: billing database (invoices, payments)
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: ${db.host}, port: ${db.port}, database: ${db.name}, user: ${db.user}, tls: prefer }
${options.clients ? `    clients: ${JSON.stringify(options.clients)}` : ''}
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["select:billing.*", "insert:billing.*", "update:billing.*", "delete:billing.*"]
    autoApprove: ["select:billing.*"]
    approvers: [dbas-${suffix}]
    maxTtl: 1h
guardrails:
  - id: hold-payment-deletes
    description: deleting payments needs a second pair of eyes
    action: approve
    match: { needs: ["delete:billing.payments"] }
masking:
  rules:
    - id: customer-pii
      style: partial
      detectors: [email, card]
`,
    'mcp-test.yaml',
  )
  const gateway = await startGateway({
    config,
    logger: pino({ level: process.env.TASKGATE_TEST_LOG ?? 'silent' }),
    sweepIntervalMs: 100,
  })
  const agentKey = gateway.createdKeys.get(`agent-${suffix}`)!
  const dbaKey = gateway.createdKeys.get(`dba-${suffix}`)!
  const adminKey = gateway.createdKeys.get(`auditor-${suffix}`)!
  const apiUrl = gateway.api.url
  return {
    gateway,
    db,
    resourceId,
    agentGroup: `agents-${suffix}`,
    apiUrl,
    agentKey,
    dbaKey,
    adminKey,
    async decide(approvalId, verdict, reason) {
      const response = await fetch(`${apiUrl}/v1/approvals/${approvalId}/${verdict}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dbaKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason }),
      })
      if (!response.ok)
        throw new Error(`${verdict} ${approvalId}: ${response.status} ${await response.text()}`)
    },
    async [Symbol.asyncDispose]() {
      await gateway.close()
      await rm(dir, { recursive: true, force: true })
      await db[Symbol.asyncDispose]()
    },
  }
}
