import assert from 'node:assert/strict'
import { test } from 'node:test'
import v8 from 'node:v8'
import vm from 'node:vm'
import { loadSqlParser, parseMysqlSql, parserInstances, SqlParseError } from './sql-parser.ts'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

test('an instance replaced after a trap is let go, not kept for the life of the process', async () => {
  await loadSqlParser()
  const trap = `SELECT ${'1+'.repeat(1000)}1`
  const trapOnce = async () => {
    assert.throws(() => parseMysqlSql(trap), SqlParseError)
    // The spare takes over at once; the next spare is made in the background.
    assert.equal(parseMysqlSql('SELECT 1').length, 1)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  for (let i = 0; i < 20; i++) await trapOnce()
  gc()
  const before = process.memoryUsage().rss
  const made = parserInstances()
  for (let i = 0; i < 150; i++) await trapOnce()
  assert.equal(parserInstances(), made + 150)
  gc()
  const grownMb = (process.memoryUsage().rss - before) / 1e6
  // Each instance imported as its own ES module was never unloaded: ~3 MB of RSS kept per 2 KB statement
  // that trapped (383 MB for these 150), 117 MB per 1 MiB one.
  assert.ok(grownMb < 200, `${grownMb.toFixed(0)} MB kept after 150 traps`)
})
