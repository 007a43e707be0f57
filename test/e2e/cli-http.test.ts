// `taskgate grant env` and `taskgate connect -- curl` for an HTTP grant, with the real CLI and the real curl
// through the real gateway in front of httpbin.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { runTaskgate } from '../support/run-taskgate.ts'
import { startHttpGateway } from '../support/start-http-gateway.ts'
import { startHttpbin } from '../support/start-httpbin.ts'

test('an HTTP grant: grant env prints TASKGATE_HTTP_* and a curl line; connect -- curl sends the bearer token', async () => {
  await using upstream = await startHttpbin()
  await using g = await startHttpGateway({ upstream: upstream.url })
  const agentKey = g.gateway.createdKeys.get(`bot-${g.resourceId.slice(4)}`)!
  const home = await mkdtemp(join(tmpdir(), 'tg-cli-http-'))
  after(() => rm(home, { recursive: true, force: true }))
  const as = (...args: string[]) =>
    runTaskgate(args, {
      env: { TASKGATE_API: g.gateway.api.url, TASKGATE_TOKEN: agentKey, XDG_CONFIG_HOME: home },
    })
  const request = await as(
    'grant',
    'request',
    g.resourceId,
    '--scope',
    'GET:/anything/*',
    '--task',
    'read',
    '--json',
  )
  assert.equal(request.code, 0, request.stderr)
  const { id } = JSON.parse(request.stdout) as { id: string }
  const env = await as('grant', 'env', id)
  assert.equal(env.code, 0, env.stderr)
  assert.match(env.stdout, new RegExp(`^export TASKGATE_HTTP_URL='https://127\\.0\\.0\\.1:${g.port}'$`, 'm'))
  assert.match(env.stdout, /^export TASKGATE_HTTP_TOKEN='g\S+\.tgc_\S+'$/m)
  assert.match(
    env.stdout,
    /^# then: curl --cacert "\$TASKGATE_HTTP_CA" --oauth2-bearer "\$TASKGATE_HTTP_TOKEN" 'https:\/\/127\.0\.0\.1:\d+\/'$/m,
  )
  const caFile = /^export TASKGATE_HTTP_CA='([^']+)'$/m.exec(env.stdout)?.[1]
  assert.ok(caFile, 'the generated certificate is written for curl')
  assert.equal(await readFile(caFile, 'utf8'), await readFile(g.caFile, 'utf8'))
  assert.doesNotMatch(env.stdout, /^export TASKGATE_TOKEN=/m, "the CLI's own token variable is left alone")
  // No --cacert given: connect passes the written certificate, so curl verifies the gateway.
  const run = await as('connect', id, '--', 'curl', '-sS', `${g.url}/anything/x`)
  assert.equal(run.code, 0, run.stderr)
  assert.equal((JSON.parse(run.stdout) as { method: string }).method, 'GET')
  const denied = await as('connect', id, '--', 'curl', '-sS', '-X', 'DELETE', `${g.url}/anything/x`)
  assert.match(denied.stdout, /"missingScope":"delete:\/anything\/x"/)
})
