// Outside review (session 9): a MariaDB session learnt which names are views once, at login. A view made
// afterwards (by an administrator, or through the gateway by a grant exempt from masking) was a plain table
// to it: `SELECT s FROM cv` (cv renaming the masked email to s) came back in clear, `WHERE s LIKE 'a%'` was
// answered, and a statement prepared while the name was a table kept being executed undecided against the
// view. A name not known to be a view or not is now looked up in information_schema.VIEWS before the
// statement is decided (kept a minute), a statement that may change relations through any session of the
// resource empties what every session knows, and each execution of a prepared statement is traced through
// views again.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type mysql from 'mysql2/promise'
import type { IssuedCredential, Principal } from '../../src/core/index.ts'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway
let masked: mysql.Connection
let exempt: mysql.Connection

before(async () => {
  g = await startMysqlGateway({
    extraConfig: `
masking:
  rules:
    - { id: hide-email, columns: [email], style: redact, exemptGroups: [email-readers] }
`,
  })
  masked = await g.connect((await g.grant('*:$DB.*')).credential)
  const reader: Principal = {
    ...g.agent,
    id: `${g.agent.id}-reader`,
    groups: [...g.agent.groups, 'email-readers'],
  }
  const { credential } = await g.gateway.core.requestGrant(reader, {
    resourceId: g.resourceId,
    scope: `*:${g.database}.*`,
    task: 'view change test',
    ttl: '10m',
  })
  exempt = await g.connect(credential as IssuedCredential)
})
after(async () => {
  await masked?.end().catch(() => {})
  await exempt?.end().catch(() => {})
  await g?.[Symbol.asyncDispose]()
})

const refusedByMasking = (error: mysql.QueryError) => {
  assert.equal(error.errno, 1142, error.message)
  assert.match(error.message, /hide-email/)
  return true
}

async function assertMasked(sql: string): Promise<void> {
  const [rows] = await masked.query(sql)
  const text = JSON.stringify(rows)
  assert.equal((rows as unknown[]).length, 2, `${sql}: ${text}`)
  assert.ok(!text.includes('@example'), `${sql} returned ${text}`)
}

test('a view an administrator made after login is masked and not filtered on', async () => {
  const root = await g.root()
  await root.query(`CREATE VIEW ${g.database}.cv AS SELECT id, email AS s FROM ${g.database}.customers`)
  await root.end()
  await assertMasked('SELECT s FROM cv')
  await assert.rejects(() => masked.query("SELECT id FROM cv WHERE s LIKE 'a%'"), refusedByMasking)
})

test('a name made a view by another session after this one asked about it is traced at once', async () => {
  await assert.rejects(() => masked.query("SELECT id FROM x2 WHERE n LIKE 'a%'"), /doesn't exist/)
  await exempt.query('CREATE VIEW x2 AS SELECT id, email AS n FROM customers')
  await assert.rejects(() => masked.query("SELECT id FROM x2 WHERE n LIKE 'a%'"), refusedByMasking)
  await assertMasked('SELECT n FROM x2')
})

test('a prepared statement executed after its table became a view is decided through the view', async () => {
  await exempt.query('CREATE TABLE x5 (id INT, n VARCHAR(100))')
  const sql = 'SELECT id FROM x5 WHERE n LIKE ?'
  const [before] = await masked.execute(sql, ['a%'])
  assert.deepEqual(before, [])
  await exempt.query('RENAME TABLE x5 TO x5_table')
  await exempt.query('CREATE VIEW x5 AS SELECT id, email AS n FROM customers')
  // mysql2 executes its prepared statement again (COM_STMT_EXECUTE only).
  await assert.rejects(() => masked.execute(sql, ['a%']), refusedByMasking)
})
