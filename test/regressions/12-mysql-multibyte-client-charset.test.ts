// Issue #12: the gateway reads statement text as UTF-8. In big5, cp932, gbk, gb18030 and sjis the second
// byte of a character may be 0x5c, a backslash to the gateway and not to the server: after `SET NAMES gbk`,
// `SELECT '\xbf\x5c', (SELECT … FROM other) -- '` is one string to the gateway and a subquery of a table
// outside the grant to the server (and, under CLIENT_MULTI_STATEMENTS, a whole hidden statement). The
// client character set is now one the gateway reads as the server does, or the SET is refused; the
// decision cache, which shares templates between texts differing in literals, does not share this one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startMysqlGateway } from '../support/start-mysql-gateway.ts'

test('SET NAMES / character_set_client to a charset whose characters can hold a backslash is refused', async () => {
  await using g = await startMysqlGateway()
  const { credential } = await g.grant('select:$DB.customers')
  const c = await g.connect(credential)
  try {
    await c.query("SET NAMES 'utf8mb4'")
    for (const sql of [
      "SET NAMES 'gbk'",
      'SET NAMES sjis',
      "SET character_set_client = 'big5'",
      'SET @@session.character_set_client = cp932',
    ])
      await assert.rejects(c.query(sql), { errno: 1142, message: /client character set .* utf8mb4/ }, sql)
    const [rows] = await c.query('SELECT @@character_set_client AS cs')
    assert.deepEqual(rows, [{ cs: 'utf8mb4' }])
  } finally {
    await c.end()
  }
})
