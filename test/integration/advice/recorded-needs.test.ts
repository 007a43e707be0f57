// Each recorded action carries the scope entries it needed (Action.needs), on both stores: an allowed
// statement through psql, a denied one, and an extended-protocol Execute (node-postgres with parameters).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import type { ActionRecord } from '../../../src/core/index.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import { psqlScript } from '../../support/clients/psql.ts'
import { createThrowawayDatabase } from '../../support/postgres.ts'
import { type PostgresGateway, type StartOptions, startPostgresGateway } from '../../support/start-gateway.ts'

const SETUP = `CREATE SCHEMA billing;
  CREATE TABLE billing.invoices (id int PRIMARY KEY, amount int NOT NULL);
  INSERT INTO billing.invoices VALUES (1, 10), (2, 20);
  CREATE TABLE billing.customers (id int PRIMARY KEY, name text);`

async function recorded(gw: PostgresGateway, grantId: string): Promise<ActionRecord[]> {
  const sessions = await gw.store.sessions.list({ grantId })
  const actions: ActionRecord[] = []
  for (const s of sessions.reverse()) actions.push(...(await gw.store.sessions.listActions(s.id)))
  return actions
}

async function checkNeedsRecorded(options: StartOptions): Promise<void> {
  await using gw = await startPostgresGateway({ setupSql: SETUP, ...options })
  const { grant, credential } = await gw.grant('select:billing.*')
  const r = await psqlScript(
    gw.env(credential),
    'SELECT i.amount FROM billing.invoices i JOIN billing.customers c ON c.id = i.id;\nDELETE FROM billing.invoices WHERE id = 2;\n',
  )
  assert.match(r.stderr, /rule scope/)
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  await client.query('SELECT amount FROM billing.invoices WHERE id = $1', [1])
  await client.end()
  let actions: ActionRecord[] = []
  for (let i = 0; i < 100; i++) {
    actions = await recorded(gw, grant.id)
    if (actions.filter((a) => a.text.includes('billing.')).length >= 3) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const byText = (fragment: string) => actions.find((a) => a.text.includes(fragment))
  assert.deepEqual(byText('JOIN')?.needs, [
    { verb: 'select', object: 'billing.invoices' },
    { verb: 'select', object: 'billing.customers' },
  ])
  const denied = byText('DELETE')
  assert.equal(denied?.outcome, 'deny')
  // The WHERE clause reads the column it filters on: select as well as delete.
  assert.deepEqual(denied?.needs, [
    { verb: 'delete', object: 'billing.invoices' },
    { verb: 'select', object: 'billing.invoices' },
  ])
  const executed = byText('WHERE id = $1')
  assert.equal(executed?.outcome, 'allow')
  assert.deepEqual(executed?.needs, [{ verb: 'select', object: 'billing.invoices' }])
}

test('recorded actions carry what they needed (embedded store)', () => checkNeedsRecorded({}))

test('recorded actions carry what they needed (postgres store)', async () => {
  await using storeDb = await createThrowawayDatabase('tg_store')
  await checkNeedsRecorded({ openStore: () => openPostgresStore({ url: storeDb.url }) })
})
