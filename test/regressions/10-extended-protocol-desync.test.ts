// Issue 10, item 1: the extended protocol could be desynchronised so the gateway's idea of a prepared
// statement differed from the server's. A held DELETE, re-Parsed under its own name (PostgreSQL refuses:
// 42P05), was forgotten by the gateway and then ran unapproved, recorded as the select; a Close the server
// skipped after an error was applied all the same. Same against a `rowsOver` deny rule. With a raw wire
// client against the real server: the statement stays held, the rows stay, the record names what ran.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Principal } from '../../src/core/index.ts'
import { MAX_PREPARED_STATEMENTS } from '../../src/protocols/postgres/statement-namespace.ts'
import { RawPostgres, sqlstateOf, typesOf, wire } from '../support/clients/raw-postgres.ts'
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
  gw = await startPostgresGateway({
    setupSql: `CREATE TABLE public.held (id int PRIMARY KEY);
      INSERT INTO public.held SELECT g FROM generate_series(1, 10) g;
      CREATE TABLE public.big (id int PRIMARY KEY);
      INSERT INTO public.big SELECT g FROM generate_series(1, 5000) g;
      ANALYZE public.big;`,
    extraConfig: `guardrails:
  - id: hold-held
    description: deletes from held need a second pair of eyes
    action: approve
    match: { needs: ["delete:public.held"] }
    approvers: [dbas]
  - id: huge-delete
    description: deletes this large go through a migration
    action: deny
    match: { kinds: [DeleteStmt], rowsOver: 4500, whenUnknown: no-match }`,
  })
})
after(() => gw[Symbol.asyncDispose]())

const count = async (table: string): Promise<number> =>
  (await gw.db.query(`SELECT count(*)::int AS n FROM public.${table}`)).rows[0].n as number

async function actions(): Promise<Array<{ text: string; outcome: string; error?: string }>> {
  await sleep(400) // recordings are batched
  const sessions = await gw.core.listSessions(admin, {})
  return (
    await Promise.all(sessions.map(async (s) => (await gw.core.getSession(admin, s.id)).actions))
  ).flat()
}

async function connect(): Promise<RawPostgres> {
  const { credential } = await gw.grant('*:*')
  return RawPostgres.connect(gw.url(credential))
}

test('a failed re-Parse of a held statement name does not release the held DELETE', async () => {
  await using raw = await connect()
  raw.send(wire.parse('s1', 'DELETE FROM public.held WHERE id > $1'), wire.sync())
  assert.equal(typesOf(await raw.until('Z')), '1Z')
  // Pipelined without waiting: the re-Parse fails upstream (name in use), so s1 is still the DELETE.
  raw.send(
    wire.parse('s1', 'select $1::int'),
    wire.sync(),
    wire.bind('', 's1', ['0']),
    wire.execute(),
    wire.sync(),
  )
  const first = await raw.until('Z')
  assert.equal(sqlstateOf(first.find((f) => f.type === 'E')!), '42P05')
  // The Bind is held for an approval: nothing more arrives but the waiting notice.
  const meanwhile = await raw.settle(500)
  assert.ok(!meanwhile.some((f) => f.type === 'C'), `ran without approval: ${typesOf(meanwhile)}`)
  assert.equal(await count('held'), 10)
  const pending = await gw.core.listApprovals(admin, { status: ['pending'] })
  assert.ok(
    pending.some((a) => a.summary.includes('DELETE FROM public.held')),
    'the approval asked for names the DELETE',
  )
  const recorded = await actions()
  assert.ok(!recorded.some((a) => a.text.startsWith('select $1::int') && a.error === undefined))
})

test('a Close the server skips after an error is not applied: the held statement stays held', async () => {
  await using raw = await connect()
  raw.send(wire.parse('s2', 'DELETE FROM public.held WHERE id > $1'), wire.sync())
  await raw.until('Z')
  raw.send(wire.execute('no_such_portal'), wire.close('S', 's2'), wire.sync())
  const skipped = await raw.until('Z')
  assert.equal(typesOf(skipped), 'EZ', 'PostgreSQL skips the Close after the error')
  assert.equal(sqlstateOf(skipped[0]!), '34000')
  raw.send(
    wire.parse('s2', 'select $1::int'),
    wire.sync(),
    wire.bind('', 's2', ['0']),
    wire.execute(),
    wire.sync(),
  )
  const answered = await raw.until('Z')
  assert.equal(sqlstateOf(answered.find((f) => f.type === 'E')!), '42P05')
  const meanwhile = await raw.settle(500)
  assert.ok(!meanwhile.some((f) => f.type === 'C'), `ran without approval: ${typesOf(meanwhile)}`)
  assert.equal(await count('held'), 10)
})

test('the same desync against a rowsOver deny rule: the large DELETE is still estimated and denied', async () => {
  await using raw = await connect()
  raw.send(wire.parse('s3', 'DELETE FROM public.big WHERE id > $1'), wire.sync())
  assert.equal(typesOf(await raw.until('Z')), '1Z')
  raw.send(
    wire.parse('s3', 'select $1::int'),
    wire.sync(),
    wire.bind('', 's3', ['0']),
    wire.execute(),
    wire.sync(),
  )
  const frames = await raw.until('Z', 2)
  const errors = frames.filter((f) => f.type === 'E').map(sqlstateOf)
  assert.deepEqual(errors, ['42P05', '42501'])
  assert.ok(!frames.some((f) => f.type === 'C'))
  assert.equal(await count('big'), 5000)
})

test('a pipelined Parse, Bind and Execute of one segment run as decided; the record names what ran', async () => {
  await using raw = await connect()
  raw.send(
    wire.parse('s4', 'select 41 + $1::int'),
    wire.bind('p4', 's4', ['1']),
    wire.execute('p4'),
    wire.sync(),
  )
  const frames = await raw.until('Z')
  assert.equal(typesOf(frames), '12DCZ')
  const recorded = await actions()
  assert.ok(
    recorded.some((a) => a.text === 'select 41 + $1::int' && a.outcome === 'allow' && a.error === undefined),
  )
})

test('a statement made by SQL PREPARE and bound through the protocol is decided at each Bind', async () => {
  const { credential } = await gw.grant('*:*')
  await using raw = await RawPostgres.connect(gw.url(credential))
  raw.send(wire.query('PREPARE q5 AS DELETE FROM public.held WHERE id > $1'))
  await raw.until('N')
  const approval = (await gw.core.listApprovals(admin, { status: ['pending'] })).find((a) =>
    a.summary.includes('PREPARE q5'),
  )
  const dba: Principal = { id: 'oidc:dana', kind: 'person', name: 'dana', groups: ['dbas'], via: 'oidc' }
  await gw.core.decideApproval(dba, approval!.id, 'approve', 'preparing only')
  assert.equal(typesOf(await raw.until('Z')), 'CZ')
  raw.send(wire.bind('', 'q5', ['0']), wire.execute(), wire.sync())
  const meanwhile = await raw.settle(500)
  assert.ok(!meanwhile.some((f) => f.type === 'C'), `ran on the PREPARE's approval: ${typesOf(meanwhile)}`)
  assert.equal(await count('held'), 10)
})

test('a hostile pipeline: 5,000 unnamed statements without Sync, then named ones past the bound', async () => {
  await using raw = await connect()
  const batch: Buffer[] = []
  for (let i = 0; i < 5_000; i++) batch.push(wire.parse('', `select ${i}`), wire.bind('', ''), wire.execute())
  raw.send(...batch, wire.sync())
  const frames = await raw.until('Z', 1, 120_000)
  assert.equal(frames.filter((f) => f.type === 'C').length, 5_000)
  assert.equal(frames.filter((f) => f.type === 'E').length, 0)
  // Named statements are remembered up to a bound; past it a Parse is refused, never a name forgotten.
  const named: Buffer[] = []
  for (let i = 0; i <= MAX_PREPARED_STATEMENTS; i++) named.push(wire.parse(`n${i}`, 'select 1'))
  raw.send(...named, wire.sync())
  const answers = await raw.until('Z', 1, 120_000)
  assert.equal(answers.filter((f) => f.type === '1').length, MAX_PREPARED_STATEMENTS)
  assert.deepEqual(answers.filter((f) => f.type === 'E').map(sqlstateOf), ['42501'])
})

test('an allowed statement made by SQL PREPARE, pipelined with its protocol Bind, runs', async () => {
  await using raw = await connect()
  raw.send(
    wire.query('PREPARE q6(int) AS SELECT count(*) FROM public.held WHERE id > $1'),
    wire.bind('', 'q6', ['5']),
    wire.execute(),
    wire.sync(),
  )
  const frames = await raw.until('Z', 2)
  assert.equal(typesOf(frames), 'CZ2DCZ')
})

test('SQL PREPAREs count towards the bound on remembered statements', async () => {
  await using raw = await connect()
  const names = Array.from({ length: MAX_PREPARED_STATEMENTS }, (_, i) => `PREPARE m${i} AS SELECT 1`)
  for (let i = 0; i < names.length; i += 2_000) {
    raw.send(wire.query(names.slice(i, i + 2_000).join('; ')))
    await raw.until('Z', 1, 120_000)
  }
  raw.send(wire.query('PREPARE one_too_many AS SELECT 1'))
  const refused = await raw.until('Z')
  assert.deepEqual(refused.filter((f) => f.type === 'E').map(sqlstateOf), ['42501'])
  // Counted as the server confirms: once DEALLOCATE ALL is answered, there is room again.
  raw.send(wire.query('DEALLOCATE ALL'))
  await raw.until('Z')
  raw.send(wire.query('PREPARE fits_again AS SELECT 1'))
  const again = await raw.until('Z')
  assert.equal(again.filter((f) => f.type === 'E').length, 0)
})
