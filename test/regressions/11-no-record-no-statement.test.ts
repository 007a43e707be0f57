// Issue 11, item 1: with the store unreachable, full or read-only, open sessions went on executing (a committed
// UPDATE, none recorded), and immutable store files killed the gateway with SIGBUS. Now nothing runs that cannot
// be recorded (recording.onFailure: block): a write is forwarded only once its record is stored, every
// statement is refused with 58030 naming the store's problem while it lasts, and the session works again (its
// denials recorded) once the store is back. These tests run the gateway in this process: a SIGBUS would end it.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import pg from 'pg'
import { openEmbeddedStore } from '../../src/store/embedded/index.ts'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { startPostgresCluster } from '../support/postgres-cluster.ts'
import { prepareGateway, requestGrant, startChildProcess } from '../support/start-full-gateway.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

const run = promisify(execFile)
const SETUP = 'CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0);'

async function session(gw: PostgresGateway): Promise<pg.Client> {
  const { credential } = await gw.grant('select:public.t,update:public.t')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  client.on('error', () => {})
  await client.connect()
  return client
}

const targetValue = async (gw: PostgresGateway) =>
  (await gw.db.query('SELECT v FROM t WHERE id = 1')).rows[0].v as number

/** Retries `sql` until it succeeds (the recorder retries every second once the store is back). */
async function eventually(client: pg.Client, sql: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await client.query(sql)
      return
    } catch (error) {
      if (i >= 100) throw error
      await sleep(200)
    }
  }
}

async function recordedActions(gw: PostgresGateway) {
  const sessions = await gw.core.listSessions(gw.agent, {})
  const s = sessions[sessions.length - 1]
  return (await gw.core.getSession(gw.agent, s!.id)).actions
}

test('embedded store made immutable: statements are refused naming the problem, nothing runs, no SIGBUS', async () => {
  await using gw = await startPostgresGateway({
    setupSql: SETUP,
    openStore: (dir) => openEmbeddedStore({ dir, exclusive: true }),
  })
  const files = () =>
    readdirSync(gw.storeDir)
      .filter((f) => f.startsWith('taskgate.db'))
      .map((f) => join(gw.storeDir, f))
  const client = await session(gw)
  try {
    await client.query('UPDATE t SET v = 1 WHERE id = 1')
    await recordedActions(gw) // flushes
    await run('chattr', ['+i', ...files()])
    // The extended protocol: the write is stopped at its Execute, whose record could not be stored.
    await assert.rejects(client.query({ text: 'UPDATE t SET v = $1 WHERE id = 1', values: [4] }), {
      code: '58030',
    })
    assert.equal(await targetValue(gw), 1, 'the prepared write whose record failed did not run')
    await assert.rejects(client.query('UPDATE t SET v = 2 WHERE id = 1'), (error: pg.DatabaseError) => {
      assert.equal(error.code, '58030')
      assert.match(error.message, /cannot record statements durably.*embedded store/)
      return true
    })
    assert.equal(await targetValue(gw), 1, 'the write whose record failed did not run')
    await assert.rejects(client.query('SELECT v FROM t'), { code: '58030' })
  } finally {
    await run('chattr', ['-i', ...files()])
  }
  await eventually(client, 'SELECT v FROM t')
  await client.query('UPDATE t SET v = 3 WHERE id = 1')
  assert.equal(await targetValue(gw), 3)
  const actions = await recordedActions(gw)
  const refused = actions.filter((a) => a.rule === 'recording')
  assert.ok(refused.some((a) => a.text === 'UPDATE t SET v = 2 WHERE id = 1' && a.outcome === 'deny'))
  assert.ok(actions.some((a) => a.text === 'UPDATE t SET v = 3 WHERE id = 1' && a.outcome === 'allow'))
  await client.end()
})

test('embedded store on a full disk: writes are refused until space is freed', async () => {
  const mountPoint = `/tmp/tg-full-${Math.random().toString(36).slice(2, 8)}`
  await mkdir(mountPoint)
  await run('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint])
  try {
    await using gw = await startPostgresGateway({
      setupSql: SETUP,
      openStore: () => openEmbeddedStore({ dir: join(mountPoint, 'store'), exclusive: true }),
    })
    const client = await session(gw)
    await client.query('UPDATE t SET v = 1 WHERE id = 1')
    await recordedActions(gw)
    const filler = join(mountPoint, 'filler')
    await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k']).catch(() => {}) // stops at ENOSPC
    // Enough statements to outgrow what the WAL's free pages can still take.
    let refused: pg.DatabaseError | undefined
    for (let i = 0; i < 2000 && !refused; i++) {
      await client.query(`UPDATE t SET v = ${10 + i} WHERE id = 1 /* ${'x'.repeat(2000)} */`).catch((e) => {
        refused = e
      })
    }
    assert.ok(refused, 'a write was refused once the disk was full')
    assert.equal(refused.code, '58030')
    assert.match(refused.message, /full|cannot write/)
    const before = await targetValue(gw)
    await assert.rejects(client.query('UPDATE t SET v = -1 WHERE id = 1'), { code: '58030' })
    assert.equal(await targetValue(gw), before, 'nothing ran while the store was full')
    await rm(filler)
    await eventually(client, 'SELECT v FROM t')
    await client.query('UPDATE t SET v = -2 WHERE id = 1')
    assert.equal(await targetValue(gw), -2)
    await client.end()
  } finally {
    await run('umount', ['-l', mountPoint]).catch(() => {})
    await rm(mountPoint, { recursive: true, force: true })
  }
})

test('postgres store that goes away: the write is refused and not committed; denials land once it is back', async () => {
  await using cluster = await startPostgresCluster()
  await using gw = await startPostgresGateway({
    setupSql: SETUP,
    openStore: () => openPostgresStore({ url: cluster.url }),
  })
  const client = await session(gw)
  const { grant: leaving, credential } = await gw.grant('select:public.t')
  const leaver = new pg.Client({ connectionString: gw.url(credential) })
  await leaver.connect()
  await client.query('UPDATE t SET v = 1 WHERE id = 1')
  await recordedActions(gw)
  await cluster.stop()
  // A client that leaves while the store is away: its session's end is recorded once the store is back.
  await leaver.end()
  await assert.rejects(client.query('UPDATE t SET v = 2 WHERE id = 1'), (error: pg.DatabaseError) => {
    assert.equal(error.code, '58030')
    assert.match(error.message, /cannot record statements durably/)
    return true
  })
  await assert.rejects(client.query('SELECT v FROM t'), { code: '58030' })
  assert.equal(await targetValue(gw), 1)
  await cluster.start()
  await eventually(client, 'SELECT v FROM t')
  await client.query('UPDATE t SET v = 3 WHERE id = 1')
  assert.equal(await targetValue(gw), 3)
  const actions = await recordedActions(gw)
  assert.ok(actions.some((a) => a.text === 'UPDATE t SET v = 2 WHERE id = 1' && a.rule === 'recording'))
  const admin = { ...gw.agent, groups: ['taskgate-admins'] }
  const denials = await gw.core.listAudit(admin, { type: 'action.denied' })
  assert.ok(
    denials.some((e) => e.data?.rule === 'recording' && e.data?.text === 'UPDATE t SET v = 2 WHERE id = 1'),
    'the refusal was audited once the store was back',
  )
  for (let i = 0; ; i++) {
    const [left] = await gw.core.listSessions(gw.agent, { grantId: leaving.id })
    if (left?.endedAt) break
    assert.ok(i < 100, 'the end of the session that left while the store was away was recorded')
    await sleep(100)
  }
  await client.end()
})

test('recording.onFailure: continue forwards while the store is away, and records once it is back', async () => {
  await using cluster = await startPostgresCluster()
  await using gw = await startPostgresGateway({
    setupSql: SETUP,
    openStore: () => openPostgresStore({ url: cluster.url }),
    extraConfig: 'recording: { onFailure: continue }',
  })
  const client = await session(gw)
  await cluster.stop()
  await client.query('UPDATE t SET v = 7 WHERE id = 1')
  assert.equal(await targetValue(gw), 7)
  await cluster.start()
  await eventually(client, 'SELECT 1')
  const actions = await recordedActions(gw)
  assert.ok(actions.some((a) => a.text === 'UPDATE t SET v = 7 WHERE id = 1' && a.outcome === 'allow'))
  await client.end()
})

test('the gateway process (taskgate serve) survives immutable store files: no SIGBUS, statements refused', async () => {
  await using setup = await prepareGateway({ setupSql: SETUP })
  await using gateway = await startChildProcess(setup)
  const keys = await setup.keys()
  const { connection } = await requestGrant(gateway.api, keys.agent, setup.resourceId, 'select:*,update:*')
  const client = new pg.Client({ ...connection, host: gateway.resource.host, port: gateway.resource.port })
  client.on('error', () => {})
  await client.connect()
  await client.query('UPDATE t SET v = 1 WHERE id = 1')
  const dataDir = join(setup.dir, 'data')
  const files = readdirSync(dataDir)
    .filter((f) => f.startsWith('taskgate.db'))
    .map((f) => join(dataDir, f))
  await run('chattr', ['+i', ...files])
  try {
    for (let i = 0; i < 20; i++) {
      await assert.rejects(client.query(`UPDATE t SET v = ${100 + i} WHERE id = 1`), { code: '58030' })
    }
    await assert.rejects(client.query('SELECT v FROM t'), { code: '58030' })
    const live = await fetch(`${gateway.api}/v1/health/live`)
    assert.equal(live.status, 200, 'the gateway process is still there')
  } finally {
    await run('chattr', ['-i', ...files])
  }
  await eventually(client, 'SELECT v FROM t')
  assert.equal((await setup.db.query('SELECT v FROM t WHERE id = 1')).rows[0].v, 1)
  await client.end()
})
