// Issue 10, item 9: only CREATE/ALTER ROLE ... PASSWORD had its literals redacted; passwords in CREATE USER
// MAPPING, CREATE/ALTER SERVER OPTIONS, CREATE SUBSCRIPTION CONNECTION and dblink connection strings reached
// the recording and the audit log verbatim, denied or not. Every statement whose parse tree holds an option
// named like a secret, a connection string or a dblink call is now recorded, audited and shown to approvers
// with its literals redacted; so is a text the parser rejects that names such a construct, and its reason.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { psql } from '../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway
const admin = {
  id: 'sa:admin',
  kind: 'service' as const,
  name: 'admin',
  groups: ['taskgate-admins'],
  via: 'service-account' as const,
}

before(async () => {
  gw = await startPostgresGateway({
    extraConfig: `guardrails:
  - id: hold-dblink
    description: remote connections need a person
    action: approve
    match: { pattern: "dblink_connect" }
    approvers: [dbas]`,
  })
})
after(() => gw[Symbol.asyncDispose]())

const SECRET = 'Hunter2-do-not-record'
const STATEMENTS = [
  `CREATE USER MAPPING FOR current_user SERVER s OPTIONS (user 'bob', password '${SECRET}')`,
  `ALTER USER MAPPING FOR current_user SERVER s OPTIONS (SET password '${SECRET}')`,
  `CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'h', password '${SECRET}')`,
  `ALTER SERVER s OPTIONS (ADD sslpassword '${SECRET}')`,
  `CREATE SUBSCRIPTION sub CONNECTION 'host=h user=u password=${SECRET}' PUBLICATION p`,
  `ALTER SUBSCRIPTION sub CONNECTION 'host=h password=${SECRET}'`,
  `SELECT dblink_connect('c', 'host=h user=u password=${SECRET}')`,
  `SELECT * FROM dblink('postgres://u:${SECRET}@h/db', 'SELECT 1') AS t(a int)`,
  `ALTER ROLE current_user PASSWORD '${SECRET}'`,
  `SELECT 'postgresql://bob:${SECRET}@db.example/x'`,
  // Rejected by the parser: the text and the parser's message (which quotes the text) are both redacted.
  `CREATE USER MAPPING FOR bob SERVER s OPTIONS (password '${SECRET}' oops`,
  `CREATE USER MAPPING FOR bob SERVER s OPTIONS (password '${SECRET}`,
]

test('secret-bearing statements reach neither the recording nor the audit log, allowed or denied', async () => {
  const { credential } = await gw.grant('select:public.*')
  // Denied (unclassified kinds, guardrails, scope) but one: the SELECT of a literal runs.
  for (const sql of STATEMENTS) await psql(gw.env(credential), sql)
  const sessions = await gw.core.listSessions(admin, {})
  const actions = (
    await Promise.all(sessions.map(async (s) => (await gw.core.getSession(admin, s.id)).actions))
  ).flat()
  assert.ok(actions.length >= STATEMENTS.length, `recorded ${actions.length} actions`)
  for (const a of actions) assert.ok(!JSON.stringify(a).includes(SECRET), `recorded: ${JSON.stringify(a)}`)
  const recorded = actions.find((a) => a.text.startsWith('CREATE USER MAPPING FOR current_user'))
  assert.equal(
    recorded?.text,
    "CREATE USER MAPPING FOR current_user SERVER s OPTIONS (user '***', password '***')",
  )
  const audit = await gw.core.listAudit(admin, { limit: 10_000 })
  for (const e of audit) assert.ok(!JSON.stringify(e).includes(SECRET), `audited: ${JSON.stringify(e)}`)
})

test('an approver sees a held dblink_connect with its connection string and parameters redacted', async () => {
  const { credential } = await gw.grant('select:public.*,execute:public.dblink_connect')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  const notices: string[] = []
  client.on('notice', (n) => notices.push(n.message ?? ''))
  client.on('error', () => {})
  await client.connect()
  try {
    const simple = client.query(`SELECT dblink_connect('c', 'host=h password=${SECRET}')`).catch(() => {})
    const id = await approvalId(notices)
    const approval = await gw.core.getApproval(admin, id)
    assert.ok(!JSON.stringify(approval).includes(SECRET), JSON.stringify(approval))
    await gw.core.decideApproval(dba, id, 'deny', 'no remote connections')
    await simple
    notices.length = 0
    const extended = client
      .query('SELECT dblink_connect($1, $2)', ['c', `host=h password=${SECRET}`])
      .catch(() => {})
    const second = await approvalId(notices)
    const held = await gw.core.getApproval(admin, second)
    assert.ok(!JSON.stringify(held).includes(SECRET), JSON.stringify(held))
    await gw.core.decideApproval(dba, second, 'deny', 'no remote connections')
    await extended
  } finally {
    await client.end()
  }
})

const dba = { id: 'oidc:dana', kind: 'person' as const, name: 'dana', groups: ['dbas'], via: 'oidc' as const }

async function approvalId(notices: string[]): Promise<string> {
  for (let i = 0; i < 500 && notices.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  const id = /waiting for approval (\S+)/.exec(notices[0] ?? '')?.[1]
  assert.ok(id, `no waiting notice: ${notices.join('|')}`)
  return id
}
