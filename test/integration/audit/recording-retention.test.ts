// Recording retention with a legal hold, on both stores: `taskgate retention run` removes the recordings of
// sessions that ended past maxAge (the session entry stays), never one under legal hold (`taskgate sessions
// hold`), and audits it as `retention.pruned`; a released hold lets the next run remove it.
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { createThrowawayDatabase } from '../../support/postgres.ts'
import { runTaskgate } from '../../support/run-taskgate.ts'
import {
  callApi,
  type GatewaySetup,
  prepareGateway,
  type RunningGateway,
  requestGrant,
  startInProcess,
} from '../../support/start-full-gateway.ts'

/** One session that runs a statement and ends; returns its id. */
async function endedSession(setup: GatewaySetup, gw: RunningGateway, agentKey: string, admin: string) {
  const { grantId, connection } = await requestGrant(gw.api, agentKey, setup.resourceId, 'select:*')
  const client = new pg.Client({ ...connection, host: gw.resource.host, port: gw.resource.port })
  await client.connect()
  await client.query('SELECT 1 AS one')
  await client.end()
  for (let i = 0; i < 100; i++) {
    const { body } = await callApi<{ sessions: Array<{ id: string; endedAt?: string }> }>(
      gw.api,
      admin,
      'GET',
      `/v1/sessions?grant=${grantId}`,
    )
    const ended = body.sessions.find((s) => s.endedAt)
    if (ended) return ended.id
    await sleep(100)
  }
  throw new Error('the session never ended')
}

const actionsOf = async (gw: RunningGateway, admin: string, id: string) =>
  (await callApi<{ actions: unknown[] }>(gw.api, admin, 'GET', `/v1/sessions/${id}`)).body.actions.length

for (const backend of ['embedded', 'postgres'] as const) {
  describe(`recording retention (${backend} store)`, () => {
    test('removes recordings past maxAge, never a session under legal hold; audited', async () => {
      await using storeDb = backend === 'postgres' ? await createThrowawayDatabase('tg_store') : undefined
      await using setup = await prepareGateway({
        ...(storeDb ? { storeUrl: storeDb.url } : {}),
        extraConfig: '{retention}',
      })
      const text = await readFile(setup.configPath, 'utf8')
      await writeFile(
        setup.configPath,
        text.replace('{retention}', `retention:\n  recordings:\n    - { kinds: [postgres], maxAge: 2s }\n`),
      )
      await using gw = await startInProcess(setup)
      const keys = await setup.keys()
      const cli = (...args: string[]) =>
        runTaskgate(args, { env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.admin } })
      const kept = await endedSession(setup, gw, keys.agent, keys.admin)
      const pruned = await endedSession(setup, gw, keys.agent, keys.admin)
      assert.ok((await actionsOf(gw, keys.admin, pruned)) > 0)

      const agentHold = await runTaskgate(['sessions', 'hold', kept, '--reason', 'x'], {
        env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.agent },
      })
      assert.notEqual(agentHold.code, 0, 'only an administrator places a hold')
      const hold = await cli('sessions', 'hold', kept, '--reason', 'case 4711')
      assert.equal(hold.code, 0, hold.stderr)
      await sleep(2500)

      const run = await cli('retention', 'run', '--json')
      assert.equal(run.code, 0, run.stderr)
      assert.equal(JSON.parse(run.stdout).recordings.sessions, 1)
      assert.equal(await actionsOf(gw, keys.admin, pruned), 0, 'the recording went')
      assert.ok((await actionsOf(gw, keys.admin, kept)) > 0, 'the held recording stayed')

      const { body } = await callApi<{
        entries: Array<{ type: string; subject?: string; data?: Record<string, unknown> }>
      }>(gw.api, keys.admin, 'GET', '/v1/audit?order=desc&limit=50')
      assert.ok(body.entries.some((e) => e.type === 'legal_hold.placed' && e.subject === kept))
      assert.ok(body.entries.some((e) => e.type === 'retention.pruned' && e.data?.what === 'recordings'))

      const release = await cli('sessions', 'release', kept)
      assert.equal(release.code, 0, release.stderr)
      const again = await cli('retention', 'run', '--json')
      assert.equal(JSON.parse(again.stdout).recordings.sessions, 1)
      assert.equal(await actionsOf(gw, keys.admin, kept), 0)
    })
  })
}
