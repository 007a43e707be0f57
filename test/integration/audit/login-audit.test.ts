// Logins are security events: psql logins (good, wrong password, unknown user, ended grant), console
// sign-ins and API keys land in the hash-chained audit log, read back with `taskgate audit tail`;
// never the secret; a guessing flood writes a bounded number of entries.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { psql } from '../../support/clients/psql.ts'
import { runTaskgate } from '../../support/run-taskgate.ts'
import {
  callApi,
  type GatewaySetup,
  libpqEnv,
  prepareGateway,
  type RunningGateway,
  requestGrant,
  startInProcess,
} from '../../support/start-full-gateway.ts'

let setup: GatewaySetup
let gw: RunningGateway
let keys: { admin: string; agent: string; approver: string }

interface Entry {
  seq: number
  type: string
  actor: string
  subject?: string
  data?: Record<string, unknown>
}

before(async () => {
  setup = await prepareGateway()
  gw = await startInProcess(setup)
  keys = await setup.keys()
})
after(async () => {
  await gw?.[Symbol.asyncDispose]()
  await setup?.[Symbol.asyncDispose]()
})

async function tail(type: string): Promise<Entry[]> {
  const r = await runTaskgate(['audit', 'tail', '-n', '200', '--type', type, '--json'], {
    env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.admin },
  })
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as Entry[]
}

test('psql logins: success with grant and resource; failures with the user name and reason, never the secret', async () => {
  const { grantId, connection } = await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*')
  const ok = await psql(libpqEnv(connection), 'SELECT 1')
  assert.equal(ok.stdout.trim(), '1', ok.stderr)
  const wrong = await psql({ ...libpqEnv(connection), PGPASSWORD: 'not-the-secret-x9' }, 'SELECT 1')
  assert.notEqual(wrong.code, 0)
  const unknown = await psql(
    { ...libpqEnv(connection), PGUSER: 'nobody-here', PGPASSWORD: 'guess-7' },
    'SELECT 1',
  )
  assert.notEqual(unknown.code, 0)

  const succeeded = (await tail('login.succeeded')).filter((e) => e.subject === grantId)
  assert.equal(succeeded.length, 1)
  assert.equal(succeeded[0]!.actor, `sa:${setup.agentName}`)
  assert.equal(succeeded[0]!.data?.resource, setup.resourceId)
  assert.equal(succeeded[0]!.data?.grant, grantId)
  assert.equal(succeeded[0]!.data?.channel, 'postgres')

  const failed = await tail('login.failed')
  const byUser = (user: string) => failed.filter((e) => e.actor === user && e.subject === setup.resourceId)
  assert.equal(byUser(connection.user).length, 1)
  assert.match(String(byUser(connection.user)[0]!.data?.reason), /password authentication failed/)
  assert.equal(byUser('nobody-here').length, 1)
  assert.equal(byUser('nobody-here')[0]!.data?.channel, 'postgres')
  const text = JSON.stringify(failed)
  assert.doesNotMatch(text, /not-the-secret-x9|guess-7/)
  assert.ok(!text.includes(connection.password))

  // The credential of an ended grant: its holder is told the grant ended, and the audit entry says so.
  await callApi(gw.api, keys.agent, 'POST', `/v1/grants/${grantId}/end`)
  const ended = await psql(libpqEnv(connection), 'SELECT 1')
  assert.notEqual(ended.code, 0)
  const afterEnd = byUserIn(await tail('login.failed'), connection.user)
  assert.equal(afterEnd.length, 2)
  assert.match(
    String(afterEnd.at(-1)!.data?.reason),
    /^TG_GRANT_NOT_ACTIVE: grant \S+ is ended \(completed at /,
  )
  assert.match(ended.stderr, /FATAL: {2}The grant \S+ is ended \(completed at /)
})

function byUserIn(entries: Entry[], user: string): Entry[] {
  return entries.filter((e) => e.actor === user)
}

test('a password-guessing flood writes at most 5 entries per source and user a minute', async () => {
  const { connection } = await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*')
  const env = { ...libpqEnv(connection), PGUSER: 'flood-user', PGPASSWORD: 'x' }
  for (let i = 0; i < 8; i++) assert.notEqual((await psql(env, 'SELECT 1')).code, 0)
  assert.equal(byUserIn(await tail('login.failed'), 'flood-user').length, 5)
})

test('console sign-in: a good key and a bad key are audited with channel console', async () => {
  const signIn = (key: string) =>
    fetch(`${gw.api}/auth/key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    })
  assert.equal((await signIn(keys.approver)).status, 200)
  const badKey = `${keys.approver.slice(0, -4)}AAAA`
  assert.equal((await signIn(badKey)).status, 401)

  const ok = (await tail('login.succeeded')).filter((e) => e.data?.channel === 'console')
  assert.deepEqual(
    ok.map((e) => e.actor),
    [`sa:${setup.approverName}`],
  )
  const failed = (await tail('login.failed')).filter((e) => e.data?.channel === 'console')
  assert.equal(failed.length, 1)
  assert.equal(failed[0]!.actor, `sa:${setup.approverName}`)
  assert.equal(failed[0]!.data?.reason, 'TG_AUTH_INVALID')
  assert.ok(!JSON.stringify(failed).includes(badKey))
})

test('API keys: a failure every time, a success once per key, not once per request', async () => {
  for (let i = 0; i < 3; i++)
    assert.equal((await callApi(gw.api, keys.approver, 'GET', '/v1/whoami')).status, 200)
  assert.equal((await callApi(gw.api, 'tgk_nobody_AAAAAAAAAAAA', 'GET', '/v1/whoami')).status, 401)
  const ok = (await tail('login.succeeded')).filter(
    (e) => e.data?.channel === 'api' && e.actor === `sa:${setup.approverName}`,
  )
  assert.equal(ok.length, 1)
  const failed = (await tail('login.failed')).filter((e) => e.data?.channel === 'api')
  assert.ok(failed.length >= 1)
})
