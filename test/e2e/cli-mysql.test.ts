// `taskgate grant env` and `taskgate connect -- mariadb` for a MySQL grant, with the real CLI and the real
// mariadb client through the real gateway.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runTaskgate } from '../support/run-taskgate.ts'
import { startMysqlGateway } from '../support/start-mysql-gateway.ts'

test('a MySQL grant: grant env prints MYSQL_* and a mysql command line; connect -- mariadb runs with them', async () => {
  await using g = await startMysqlGateway()
  const as = (...args: string[]) =>
    runTaskgate(args, { env: { TASKGATE_API: g.gateway.api.url, TASKGATE_TOKEN: g.agentKey } })
  const request = await as(
    'grant',
    'request',
    g.resourceId,
    '--scope',
    `select:${g.database}.*`,
    '--task',
    'read customers',
    '--json',
  )
  assert.equal(request.code, 0, request.stderr)
  const { id } = JSON.parse(request.stdout) as { id: string }
  const env = await as('grant', 'env', id)
  assert.equal(env.code, 0, env.stderr)
  assert.match(env.stdout, /^export MYSQL_HOST='127\.0\.0\.1'$/m)
  assert.match(env.stdout, new RegExp(`^export MYSQL_TCP_PORT='${g.port}'$`, 'm'))
  assert.match(env.stdout, /^export MYSQL_PWD='tgc_/m)
  assert.match(env.stdout, new RegExp(`^export MYSQL_DATABASE='${g.database}'$`, 'm'))
  assert.match(env.stdout, /^# then: mysql -h 127\.0\.0\.1 -P \d+ --protocol=TCP -u '\S+' -D '\S+'$/m)
  assert.doesNotMatch(env.stdout, /PGPASSWORD/)
  const run = await as(
    'connect',
    id,
    '--',
    'mariadb',
    '--skip-ssl',
    '--batch',
    '--skip-column-names',
    '-e',
    'SELECT name FROM customers WHERE id = 1',
  )
  assert.equal(run.code, 0, run.stderr)
  assert.equal(run.stdout, 'Ada\n')
})
