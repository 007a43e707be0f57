// Issue 11 (item 14): logging in with an ended grant's credential said only "password authentication
// failed" (the credential was deleted when the grant ended). Now whoever proves the secret is told the
// grant ended and why (FATAL, and a login.failed audit entry with that reason); a wrong secret for the same
// user still gets the plain failure, so an unauthenticated guesser learns nothing about grants.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Principal } from '../../src/core/index.ts'
import { psql } from '../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway
const admin: Principal = { id: 'local:admin', kind: 'admin', name: 'admin', groups: [], via: 'local' }

before(async () => {
  gw = await startPostgresGateway()
})
after(() => gw[Symbol.asyncDispose]())

test('an ended grant credential gets FATAL naming the end and its reason; a wrong secret learns nothing', async () => {
  const { grant, credential } = await gw.grant('select:*')
  assert.equal((await psql(gw.env(credential), 'SELECT 1')).code, 0)
  await gw.core.revokeGrant(admin, grant.id, 'done with it')

  const refused = await psql(gw.env(credential), 'SELECT 1')
  assert.notEqual(refused.code, 0)
  assert.match(refused.stderr, new RegExp(`FATAL: {2}The grant ${grant.id} is ended \\(revoked at `))
  assert.doesNotMatch(refused.stderr, /password authentication failed/)

  const guessed = await psql(gw.env(credential, { PGPASSWORD: 'tgc_not-the-secret' }), 'SELECT 1')
  assert.notEqual(guessed.code, 0)
  assert.match(guessed.stderr, /password authentication failed/)
  assert.doesNotMatch(guessed.stderr, /ended|grant/)

  const failed = (await gw.core.listAudit(admin, { type: 'login.failed' })).filter(
    (e) => e.actor === credential.username,
  )
  const reasons = failed.map((e) => String(e.data?.reason))
  assert.ok(
    reasons.some((r) => new RegExp(`^TG_GRANT_NOT_ACTIVE: grant ${grant.id} is ended \\(`).test(r)),
    reasons.join('\n'),
  )
  assert.ok(
    reasons.some((r) => /password authentication failed/.test(r)),
    reasons.join('\n'),
  )
})
