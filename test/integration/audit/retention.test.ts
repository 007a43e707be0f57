// Audit retention on both stores: `taskgate retention run` removes entries past maxAge, leaves a signed
// checkpoint, and is audited (`retention.pruned`); `taskgate audit verify` still passes from the checkpoint,
// and fails once the checkpoint is changed behind the gateway's back. Entries an export sink has not
// received yet are never removed.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createThrowawayDatabase } from '../../support/postgres.ts'
import { runTaskgate } from '../../support/run-taskgate.ts'
import { callApi, prepareGateway, requestGrant, startInProcess } from '../../support/start-full-gateway.ts'

const RETENTION = (dir: string, extra = '') => `retention:
  checkpointKey: { file: ${JSON.stringify(join(dir, 'checkpoint.key'))} }
  interval: 1h
  audit: { maxAge: 5s }
${extra}`

interface Entry {
  seq: number
  type: string
  data?: Record<string, unknown>
}

for (const backend of ['embedded', 'postgres'] as const) {
  describe(`audit retention (${backend} store)`, () => {
    test('prunes past maxAge behind a signed checkpoint; verify passes from it and fails when it is changed', async () => {
      await using storeDb = backend === 'postgres' ? await createThrowawayDatabase('tg_store') : undefined
      await using setup = await prepareGateway({
        ...(storeDb ? { storeUrl: storeDb.url } : {}),
        extraConfig: '{retention}',
      })
      const { readFile } = await import('node:fs/promises')
      await writeFile(join(setup.dir, 'checkpoint.key'), 'retention-checkpoint-test-key', { mode: 0o600 })
      const text = await readFile(setup.configPath, 'utf8')
      await writeFile(setup.configPath, text.replace('{retention}', RETENTION(setup.dir)))
      await using gw = await startInProcess(setup, { storeShared: true })
      const keys = await setup.keys()
      const cli = (...args: string[]) =>
        runTaskgate(args, { env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.admin } })

      await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*')
      await sleep(5500)
      const before = await callApi<{ entries: Entry[] }>(gw.api, keys.admin, 'GET', '/v1/audit')
      const young = before.body.entries.at(-1)!.seq + 1
      await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*')

      const run = await cli('retention', 'run', '--json')
      assert.equal(run.code, 0, run.stderr)
      const result = JSON.parse(run.stdout) as { audit: { pruned: number; throughSeq: number } }
      assert.ok(result.audit.pruned > 0, 'old entries were removed')
      assert.ok(result.audit.throughSeq < young, 'young entries stay')

      const after = await callApi<{ entries: Entry[] }>(gw.api, keys.admin, 'GET', '/v1/audit')
      assert.equal(after.body.entries[0]?.seq, result.audit.throughSeq + 1)
      const pruned = after.body.entries.find((e) => e.type === 'retention.pruned')
      assert.deepEqual(
        { entries: pruned?.data?.entries, throughSeq: pruned?.data?.throughSeq },
        { entries: result.audit.pruned, throughSeq: result.audit.throughSeq },
      )

      // Only an administrator runs it.
      const refused = await runTaskgate(['retention', 'run'], {
        env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.agent },
      })
      assert.notEqual(refused.code, 0)

      const verified = await cli('audit', 'verify')
      assert.equal(verified.code, 0, verified.stderr)

      // The checkpoint moved (to hide a removal or rewrite) without the key: verification fails.
      const tamper =
        backend === 'postgres'
          ? (sql: string) => storeDb!.query(sql.replaceAll('audit_checkpoint', 'taskgate.audit_checkpoint'))
          : async (sql: string) => {
              const db = new DatabaseSync(join(setup.dir, 'data', 'taskgate.db'))
              db.exec('PRAGMA busy_timeout = 5000')
              db.exec(sql)
              db.close()
            }
      await tamper(`UPDATE audit_checkpoint SET hash = '${'f'.repeat(64)}'`)
      const broken = await cli('audit', 'verify')
      assert.equal(broken.code, 1)
      assert.match(broken.stderr, /checkpoint does not match its signature/)
      const refusedPrune = await cli('retention', 'run')
      assert.notEqual(refusedPrune.code, 0, 'retention refuses to prune behind a forged checkpoint')
    })
  })
}

test('audit retention never removes entries an export sink has not received', async () => {
  await using setup = await prepareGateway({ extraConfig: '{retention}' })
  const { readFile } = await import('node:fs/promises')
  await writeFile(join(setup.dir, 'checkpoint.key'), 'retention-checkpoint-test-key', { mode: 0o600 })
  // A syslog receiver that is never there: the sink's cursor stays at 0.
  const sink = `audit:
  sinks:
    - { id: nowhere, kind: syslog, host: 127.0.0.1, port: 9, transport: tcp }
`
  const text = await readFile(setup.configPath, 'utf8')
  await writeFile(setup.configPath, text.replace('{retention}', RETENTION(setup.dir, sink)))
  await using gw = await startInProcess(setup)
  const keys = await setup.keys()
  await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*')
  await sleep(5500)
  const run = await runTaskgate(['retention', 'run', '--json'], {
    env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.admin },
  })
  assert.equal(run.code, 0, run.stderr)
  assert.equal(JSON.parse(run.stdout).audit.pruned, 0)
})
