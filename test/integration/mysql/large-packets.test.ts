// Payloads of 16 MiB and more travel as several packets (dev.mysql.com/doc/dev/mysql-server/latest/
// page_protocol_basic_packets.html#sect_protocol_basic_packets_sending_mt_16mb): through the whole engine,
// both ways, with mysql2 against a throwaway MariaDB whose max_allowed_packet is 64 MiB (the machine's is 16).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startMariadb } from '../../support/start-mariadb.ts'
import { startMysqlGateway } from '../../support/start-mysql-gateway.ts'

const BIG = 17 * 1024 * 1024

test('mysql: a 17 MiB parameter goes up and a 17 MiB value comes back, each split into packets', async () => {
  await using server = await startMariadb()
  await using g = await startMysqlGateway({ serverPort: server.port })
  const { credential } = await g.grant('select:$DB.*,update:$DB.*')
  const c = await g.connect(credential)
  try {
    // Client to server: COM_STMT_EXECUTE of more than 16 MiB (the statement text itself is short).
    const value = Buffer.alloc(BIG, 0x61)
    value[BIG - 1] = 0x62
    const [up] = await c.execute('SELECT LENGTH(?) AS n, RIGHT(?, 1) AS last', [value, value])
    assert.deepEqual(up, [{ n: BIG, last: Buffer.from('b') }])
    // Server to client: a text row of more than 16 MiB, then the session goes on.
    const [down] = await c.query(`SELECT REPEAT('c', ${BIG}) AS wide`)
    const wide = (down as { wide: string }[])[0]!.wide
    assert.equal(wide.length, BIG)
    assert.ok(/^c+$/.test(wide.slice(-100)))
    const [after] = await c.query('SELECT 1 AS one')
    assert.deepEqual(after, [{ one: 1 }])
  } finally {
    await c.end()
  }
})
