// Issue #10 item 11: one grant (or one principal) could open sessions without end, each holding an upstream
// connection. `limits.sessionsPerGrant` and `limits.sessionsPerPrincipal` refuse one more with PostgreSQL's
// own FATAL 53300 and a message saying which limit; closing a session makes room again.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({ extraConfig: 'limits: { sessionsPerGrant: 2, sessionsPerPrincipal: 3 }' })
})
after(() => gw[Symbol.asyncDispose]())

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  return client
}

test('sessions over the per-grant and per-principal limits are refused with 53300', async () => {
  const a = await gw.grant('select:public.*')
  const b = await gw.grant('select:public.*')
  const open: pg.Client[] = []
  try {
    open.push(await connect(gw.url(a.credential)), await connect(gw.url(a.credential)))
    const overGrant = await connect(gw.url(a.credential)).catch((e: unknown) => e)
    assert.equal((overGrant as { code?: string }).code, '53300', String(overGrant))
    assert.match(String(overGrant), /limits\.sessionsPerGrant/)

    open.push(await connect(gw.url(b.credential)))
    const overPrincipal = await connect(gw.url(b.credential)).catch((e: unknown) => e)
    assert.equal((overPrincipal as { code?: string }).code, '53300', String(overPrincipal))
    assert.match(String(overPrincipal), /limits\.sessionsPerPrincipal/)

    await open.shift()!.end()
    // The gateway learns of the close asynchronously: a new session fits once it has.
    let again: pg.Client | undefined
    for (let i = 0; i < 50 && again === undefined; i++) {
      again = await connect(gw.url(b.credential)).catch(async () => {
        await new Promise((r) => setTimeout(r, 100))
        return undefined
      })
    }
    assert.ok(again, 'a session fits again once one has closed')
    open.push(again)
    assert.equal((await again.query('select 1 as one')).rows[0]?.one, 1)
  } finally {
    for (const client of open) await client.end().catch(() => {})
  }
})
