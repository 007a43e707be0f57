// Outside review (session 9): MariaDB's engine-independent statistics (mysql.column_stats: min_value,
// max_value, histogram) hold values of every analysed column of every table; MySQL's
// information_schema.COLUMN_STATISTICS its histograms. Never implied, but a masked grant whose scope named
// them (`*:*`) read the masked email's smallest and largest values in clear, and a grant on one database
// that named the table read every database's. A read of them now needs select on every table
// (`select:*.*`) and is refused under any masking rule, with what to do instead.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type mysql from 'mysql2/promise'
import { startMaskedMysql } from '../support/masked-gateways.ts'

const analysed = async (root: mysql.Connection, db: string) => {
  await root.query(`ANALYZE TABLE ${db}.customers PERSISTENT FOR ALL`)
}

const STATISTICS = [
  'SELECT min_value, max_value FROM mysql.column_stats',
  'SELECT histogram FROM mysql.COLUMN_STATS',
  'SELECT * FROM information_schema.COLUMN_STATISTICS',
]

const refused = (pattern: RegExp) => (error: mysql.QueryError) => {
  assert.equal(error.errno, 1142, error.message)
  assert.match(error.message, pattern)
  return true
}

test('a masked grant reads no column statistics, whatever its scope', async () => {
  await using fixture = await startMaskedMysql('*:*', analysed)
  for (const sql of STATISTICS)
    await assert.rejects(
      () => fixture.c.query(sql),
      refused(/hide-email: column statistics hold values/),
      sql,
    )
})

test('a grant on one database that names the statistics table does not read every database', async () => {
  await using fixture = await startMaskedMysql('*:$DB.*,select:mysql.column_stats', analysed)
  await assert.rejects(() => fixture.c.query(STATISTICS[0]!), refused(/does not allow \S*select:\*\.\*/))
})
