// Outside review (MySQL, after #10's "secrets by parse tree"): only `IDENTIFIED …`, `SET PASSWORD` and
// `PASSWORD(…)` marked a MySQL statement as carrying a secret. `CHANGE MASTER TO MASTER_PASSWORD='…'`,
// `START SLAVE … PASSWORD='…'`, `CREATE SERVER … OPTIONS (PASSWORD '…')`, a FEDERATED table's
// `CONNECTION='mysql://user:password@…'` and an encryption key (`AES_ENCRYPT(x, 'key')`) were denied or run,
// and recorded and audited verbatim. Any word naming a secret followed by its value now redacts the
// statement's literals wherever it is recorded.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startMysqlGateway } from '../support/start-mysql-gateway.ts'

const SECRET = 'hunter2-s3cret'

test('statements carrying a password, connection string or key reach neither recording nor audit', async () => {
  await using g = await startMysqlGateway()
  const c = await g.connect((await g.grant('select:$DB.customers')).credential)
  try {
    for (const sql of [
      `CHANGE MASTER TO MASTER_PASSWORD='${SECRET}'`,
      `START SLAVE USER='u' PASSWORD='${SECRET}'`,
      `CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (USER 'u', PASSWORD '${SECRET}')`,
      `CREATE TABLE f (a INT) ENGINE=FEDERATED CONNECTION='mysql://u:${SECRET}@h/db/t'`,
      `SELECT id FROM customers WHERE AES_ENCRYPT(name, '${SECRET}') IS NOT NULL`,
    ])
      await c.query(sql).catch(() => {})
  } finally {
    await c.end()
  }
  const { core } = g.gateway
  const sessions = await core.listSessions(g.admin, {})
  const actions = (
    await Promise.all(sessions.map(async (s) => (await core.getSession(g.admin, s.id)).actions))
  ).flat()
  assert.ok(actions.length >= 5, `recorded ${actions.length} actions`)
  for (const a of actions) assert.ok(!JSON.stringify(a).includes(SECRET), `recorded: ${JSON.stringify(a)}`)
  const audit = await core.listAudit(g.admin, { limit: 10_000 })
  for (const e of audit) assert.ok(!JSON.stringify(e).includes(SECRET), `audited: ${JSON.stringify(e)}`)
})
