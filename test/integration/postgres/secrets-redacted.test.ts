// A password in a statement never reaches the recording or the audit log, whatever the decision.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { psql } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway()
})
after(() => gw[Symbol.asyncDispose]())

test('CREATE/ALTER ROLE ... PASSWORD is recorded and audited with its literals redacted', async () => {
  const { credential } = await gw.grant('*:*')
  const secret = 'hunter2-do-not-record'
  const r = await psql(gw.env(credential), `ALTER ROLE current_user PASSWORD '${secret}'`)
  assert.equal(r.code, 1)
  assert.match(r.stderr, /no-role-change/)
  const admin = {
    id: 'sa:admin',
    kind: 'service' as const,
    name: 'admin',
    groups: ['taskgate-admins'],
    via: 'service-account' as const,
  }
  const sessions = await gw.core.listSessions(admin, {})
  const actions = (
    await Promise.all(sessions.map(async (s) => (await gw.core.getSession(admin, s.id)).actions))
  ).flat()
  const recorded = actions.find((a) => a.text.startsWith('ALTER ROLE'))
  assert.equal(recorded?.text, "ALTER ROLE current_user PASSWORD '***'")
  assert.ok(!JSON.stringify(actions).includes(secret), 'the recording holds the password')
  const audit = await gw.core.listAudit(admin, { limit: 10_000 })
  assert.ok(!JSON.stringify(audit).includes(secret), 'the audit log holds the password')
})
