// Outside review (MySQL masking): `character_set_results` was implied for every session with any value.
// Column definitions and values come in that character set, so after `SET character_set_results = utf16`
// the gateway read neither the column names masking rules match nor the values: `SELECT email FROM
// customers` went out in the clear under a rule masking email. The results character set is now one the
// gateway reads (utf8mb4, utf8, latin1, ascii, binary) or NULL (what drivers send), like the client's.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startMysqlGateway } from '../support/start-mysql-gateway.ts'

test('a results character set the gateway cannot read is refused; masking holds under the ones it can', async () => {
  await using g = await startMysqlGateway({
    extraConfig: `
masking:
  rules:
    - { id: hide-email, columns: [email], style: redact }
`,
  })
  const c = await g.connect((await g.grant('select:$DB.customers')).credential)
  try {
    for (const sql of [
      'SET character_set_results = utf16',
      "SET @@session.character_set_results = 'utf32'",
      'SET SESSION character_set_results = ucs2',
    ])
      await assert.rejects(c.query(sql), { errno: 1142, message: /result character set .* utf8mb4/ }, sql)
    for (const sql of ['SET character_set_results = NULL', 'SET character_set_results = latin1']) {
      await c.query(sql)
      const [rows] = await c.query('SELECT email FROM customers ORDER BY id')
      assert.deepEqual(rows, [{ email: '****' }, { email: '****' }], sql)
    }
  } finally {
    await c.end()
  }
})
