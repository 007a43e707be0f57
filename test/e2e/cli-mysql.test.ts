// `taskgate grant env` and `taskgate connect -- mariadb` for a MySQL grant, with the real CLI and the real
// mariadb client through the real gateway: the README's "A grant end to end" for MySQL, step by step
// (a masked value, a scope denial carrying the request command, grant end closing a live session).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { runTaskgate } from '../support/run-taskgate.ts'
import { startMysqlGateway } from '../support/start-mysql-gateway.ts'

const MASK_EMAIL = `
masking:
  rules:
    - { id: hide-email, columns: [email], style: redact }
`

test('a MySQL grant: grant env prints MYSQL_* and a mysql command line; connect -- mariadb runs with them', async () => {
  await using g = await startMysqlGateway({ extraConfig: MASK_EMAIL })
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
  const mariadb = (sql: string) =>
    as('connect', id, '--', 'mariadb', '--skip-ssl', '--batch', '--skip-column-names', '-e', sql)
  const masked = await mariadb('SELECT name, email FROM customers WHERE id = 1')
  assert.equal(masked.code, 0, masked.stderr)
  assert.match(masked.stdout, /^Ada\t/)
  assert.doesNotMatch(masked.stdout, /ada@example\.com/)
  const denied = await mariadb('DELETE FROM customers WHERE id = 1')
  assert.notEqual(denied.code, 0)
  assert.match(denied.stderr, /ERROR 1142 \(42000\).*rule scope/)
  assert.match(denied.stderr, new RegExp(`missing scope: delete:${g.database}\\.customers`))
  assert.match(denied.stderr, /taskgate grant request /)
  // A live session (the client reading its next statement from stdin) is closed when the grant ends.
  const { user, password } = (
    JSON.parse(request.stdout) as { connection: { user: string; password: string } }
  ).connection
  const live = spawn('mariadb', ['-h127.0.0.1', `-P${g.port}`, `-u${user}`, '--skip-ssl', '-D', g.database], {
    env: { PATH: process.env.PATH, MYSQL_PWD: password },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let liveErr = ''
  live.stderr.on('data', (d: Buffer) => {
    liveErr += d
  })
  live.stdin.write('SELECT 1;\n')
  const exited = new Promise<number | null>((resolve) => live.once('exit', resolve))
  await new Promise((r) => setTimeout(r, 500))
  const end = await as('grant', 'end', id)
  assert.equal(end.code, 0, end.stderr)
  live.stdin.write('SELECT 2;\n')
  live.stdin.end()
  assert.notEqual(await exited, 0)
  assert.match(liveErr, /ERROR (1927|2013|2006)/, liveErr)
})
