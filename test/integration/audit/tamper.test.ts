// Tampering with the STORED audit log, in both store backends, is caught by `taskgate audit verify`
// (and /v1/audit/verify): a changed middle entry, the newest entry deleted, two entries swapped; and a
// deletion that also rewinds the recorded head is caught against a head the operator kept elsewhere.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { describe, test } from 'node:test'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../support/postgres.ts'
import { runTaskgate } from '../../support/run-taskgate.ts'
import {
  callApi,
  type GatewaySetup,
  prepareGateway,
  requestGrant,
  startInProcess,
} from '../../support/start-full-gateway.ts'

/** SQL on the store behind the gateway's back, as someone with access to its files or database would. */
interface StoreSql {
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

function embeddedSql(setup: GatewaySetup): StoreSql {
  const db = new DatabaseSync(join(setup.dir, 'data', 'taskgate.db'))
  db.exec('PRAGMA busy_timeout = 5000')
  return {
    exec: async (sql) => {
      db.exec(sql)
    },
    close: async () => db.close(),
  }
}

function postgresSql(store: ThrowawayDatabase): StoreSql {
  return {
    exec: async (sql) => {
      await store.query(sql.replaceAll('audit_', 'taskgate.audit_'))
    },
    close: async () => {},
  }
}

for (const backend of ['embedded', 'postgres'] as const) {
  describe(`audit verify detects tampering (${backend} store)`, () => {
    test('a changed, a deleted newest, swapped entries, and a rewound head all fail verification', async () => {
      await using storeDb = backend === 'postgres' ? await createThrowawayDatabase('tg_store') : undefined
      await using setup = await prepareGateway(storeDb ? { storeUrl: storeDb.url } : {})
      // A lone gateway holds the embedded file exclusively; tampering needs it shared (or the gateway stopped).
      await using gw = await startInProcess(setup, { storeShared: true })
      const keys = await setup.keys()
      await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*')
      await requestGrant(gw.api, keys.agent, setup.resourceId, 'select:*')
      const verify = (...args: string[]) =>
        runTaskgate(['audit', 'verify', ...args], {
          env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: keys.admin },
        })

      const first = await verify()
      assert.equal(first.code, 0, first.stderr)
      // The verification itself wrote the admin key's first-use login; the log is quiet from here on.
      const clean = await verify()
      assert.equal(clean.code, 0, clean.stderr)
      const head = /head: (\d+:[0-9a-f]{64})/.exec(clean.stdout)?.[1]
      assert.ok(head, clean.stdout)
      const headSeq = Number(head.split(':')[0])
      assert.ok(headSeq >= 6, `a few entries to tamper with, got ${headSeq}`)

      const sql = storeDb ? postgresSql(storeDb) : embeddedSql(setup)
      try {
        await sql.exec('CREATE TABLE audit_backup AS SELECT * FROM audit_events')
        await sql.exec('CREATE TABLE audit_head_backup AS SELECT * FROM audit_head')
        const restore = async () => {
          await sql.exec('DELETE FROM audit_events')
          await sql.exec('INSERT INTO audit_events SELECT * FROM audit_backup')
          await sql.exec('DELETE FROM audit_head')
          await sql.exec('INSERT INTO audit_head SELECT * FROM audit_head_backup')
          assert.equal((await verify()).code, 0, 'restored')
        }
        const expectBroken = async (pattern: RegExp, ...args: string[]) => {
          const r = await verify(...args)
          assert.equal(r.code, 1, `verify should fail: ${r.stdout}`)
          assert.match(r.stderr, pattern)
          return r
        }

        await sql.exec(`UPDATE audit_events SET actor = 'sa:mallory' WHERE seq = 3`)
        await expectBroken(/audit chain broken at seq 3: .*entry changed/)
        await restore()

        await sql.exec(`DELETE FROM audit_events WHERE seq = ${headSeq}`)
        await expectBroken(
          new RegExp(
            `broken at seq ${headSeq}: the log ends at seq ${headSeq - 1} but the recorded chain head is seq ${headSeq}: the newest entries were removed`,
          ),
        )
        // The API says the same, as a result rather than an HTTP error.
        const api = await callApi(gw.api, keys.admin, 'GET', '/v1/audit/verify')
        assert.equal(api.status, 200)
        assert.equal(api.body.ok, false)
        assert.equal(api.body.brokenAt, headSeq)
        await restore()

        await sql.exec('UPDATE audit_events SET seq = -2 WHERE seq = 2')
        await sql.exec('UPDATE audit_events SET seq = 2 WHERE seq = 4')
        await sql.exec('UPDATE audit_events SET seq = 4 WHERE seq = -2')
        await expectBroken(/audit chain broken at seq 2: /)
        await restore()

        // Deleting the newest entry and rewinding the recorded head to match: only a head kept
        // elsewhere shows it.
        await sql.exec(`DELETE FROM audit_events WHERE seq = ${headSeq}`)
        await sql.exec(
          `UPDATE audit_head SET seq = ${headSeq - 1}, hash = (SELECT hash FROM audit_events WHERE seq = ${headSeq - 1})`,
        )
        assert.equal((await verify()).code, 0)
        await expectBroken(/before the anchor seq \d+: entries were removed/, '--anchor', head)
        await restore()
        assert.equal((await verify('--anchor', head)).code, 0)
      } finally {
        await sql.close()
      }
    })
  })
}
