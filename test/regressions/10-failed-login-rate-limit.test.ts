// Issue #10 item 11: 2,000 wrong keys in 0.9 s were all answered, so guessing cost nothing. Failed logins
// now count per source address and per principal (`limits.failedLogins`); past either limit, attempts are
// refused before their secret is checked — PostgreSQL FATAL 08004, HTTP 429 — until the window ends, and
// audited like any failure (coalesced under a flood).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { prepareGateway, startInProcess } from '../support/start-full-gateway.ts'
import { startPostgresGateway } from '../support/start-gateway.ts'

const LIMITS = 'limits: { failedLogins: { perSource: 8, perPrincipal: 4, window: 1m } }'

async function login(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    await client.end()
    return 'ok'
  } catch (error) {
    return `${(error as { code?: string }).code} ${(error as Error).message}`
  }
}

test('data path: wrong passwords for one credential, then from one address, are refused with 08004', async () => {
  await using gw = await startPostgresGateway({ extraConfig: LIMITS })
  const { credential } = await gw.grant('select:public.*')
  const wrong = gw.url({ ...credential, password: 'not-the-password' })
  for (let i = 0; i < 4; i++) assert.match(await login(wrong), /^28P01 /)
  assert.match(await login(wrong), /^08004 Too many failed logins for this name; try again in \d+ s/)
  assert.match(await login(gw.url(credential)), /^08004 /, 'even the right password waits out the window')
  // Six failures from this address so far (refusals count too); two more unknown names reach its limit.
  for (let i = 0; i < 2; i++)
    assert.match(await login(gw.url({ ...credential, username: `nobody${i}` })), /^28P01 /)
  assert.match(
    await login(gw.url({ ...credential, username: 'nobody-else' })),
    /^08004 Too many failed logins from this address/,
  )
  const actor = {
    id: 'system',
    kind: 'admin' as const,
    name: 'system',
    groups: ['taskgate-admins'],
    via: 'local' as const,
  }
  const failures = await gw.core.listAudit(actor, { type: 'login.failed' })
  assert.ok(failures.some((e) => (e.data as { reason?: string }).reason === 'TG_LOGIN_RATE_LIMITED'))
})

test('API: wrong keys for one account, then from one address, are answered 429', async () => {
  await using setup = await prepareGateway({ extraConfig: LIMITS })
  await using running = await startInProcess(setup)
  const keys = await setup.keys()
  const whoami = (token: string) =>
    fetch(`${running.api}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })
  const wrongAgentKey = `tgk_${setup.agentName}.${'x'.repeat(32)}`
  for (let i = 0; i < 4; i++) assert.equal((await whoami(wrongAgentKey)).status, 401)
  const limited = await whoami(keys.agent)
  assert.equal(limited.status, 429)
  const problem = (await limited.json()) as { code: string; detail: string }
  assert.equal(problem.code, 'TG_LOGIN_RATE_LIMITED')
  assert.match(problem.detail, /for this name; try again in \d+ s/)
  assert.equal((await whoami(keys.admin)).status, 200, 'another account from this address is not locked yet')
  for (let i = 0; i < 3; i++) assert.equal((await whoami(`garbage-${i}`)).status, 401)
  assert.equal((await whoami(keys.admin)).status, 429, 'the address is over its limit now')
})
