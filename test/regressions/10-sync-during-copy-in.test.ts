// Issue 10, item 1 (a desync class): PostgreSQL ignores Sync and Flush while a COPY FROM STDIN reads its
// data. A client that sends a Sync right after the COPY's Execute (or Query) gets no ReadyForQuery for it;
// a gateway that expected one answered every later message with the previous one's record and lost its
// confirmations. Through the gateway and directly, with a raw wire client: the same answers, and the
// statements after it recorded as what they were.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { serialize } from 'pg-protocol'
import type { Principal } from '../../src/core/index.ts'
import { RawPostgres, typesOf, wire } from '../support/clients/raw-postgres.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

const admin: Principal = {
  id: 'sa:admin',
  kind: 'service',
  name: 'admin',
  groups: ['taskgate-admins'],
  via: 'service-account',
}
let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({ setupSql: 'CREATE TABLE public.sink (v text);' })
})
after(() => gw[Symbol.asyncDispose]())

const copyData = (text: string) => serialize.copyData(Buffer.from(text))

async function exchange(raw: RawPostgres): Promise<string> {
  raw.send(
    wire.parse('', 'COPY public.sink FROM STDIN'),
    wire.bind('', ''),
    wire.execute(),
    wire.sync(), // ignored by the server: it is reading COPY data
    copyData('a\n'),
    serialize.copyDone(),
    wire.sync(),
  )
  const first = typesOf(await raw.until('Z'))
  raw.send(wire.query('COPY public.sink FROM STDIN'), wire.sync(), copyData('b\n'), serialize.copyDone())
  const second = typesOf(await raw.until('Z'))
  raw.send(wire.parse('s', 'select 40 + $1::int'), wire.bind('', 's', ['2']), wire.execute(), wire.sync())
  const third = typesOf(await raw.until('Z'))
  return `${first} ${second} ${third} ${typesOf(await raw.settle(200))}`
}

test('a Sync sent during COPY FROM STDIN is ignored as the server ignores it; later statements stay in step', async () => {
  const { credential } = await gw.grant('select:public.*,insert:public.sink')
  await using direct = await RawPostgres.connect(gw.db.url)
  const expected = await exchange(direct)
  assert.equal(expected, '12GCZ GCZ 12DCZ ')
  await using through = await RawPostgres.connect(gw.url(credential))
  assert.equal(await exchange(through), expected)
  await sleep(400) // recordings are batched
  const sessions = await gw.core.listSessions(admin, {})
  const actions = (
    await Promise.all(sessions.map(async (s) => (await gw.core.getSession(admin, s.id)).actions))
  ).flat()
  const last = actions.find((a) => a.text === 'select 40 + $1::int')
  assert.equal(last?.rowCount, 1, JSON.stringify(actions.map((a) => [a.text, a.rowCount, a.error])))
  assert.equal(last?.error, undefined)
})
