// Issue 11 (item 14): a pending grant the requester withdrew (or that was revoked) left its approval pending in
// the inbox, and an approver could still "approve" it. Now the approval closes as cancelled when the grant
// ends, approving it fails with TG_APPROVAL_CANCELLED, and an approval left pending by older code is closed
// on the first attempt to decide it. On both stores.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import pino from 'pino'
import { createCore, type Principal } from '../../src/core/index.ts'
import { openEmbeddedStore } from '../../src/store/embedded/index.ts'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import type { Store } from '../../src/store/store.ts'
import { billingDbConfig } from '../support/billing-db-config.ts'
import { createThrowawayDatabase } from '../support/postgres.ts'
import { agentBot as agent, dbaDana as dba } from '../support/principals.ts'

const config = billingDbConfig()
const admin: Principal = { id: 'local:admin', kind: 'admin', name: 'admin', groups: [], via: 'local' }

const STORES: Array<{ name: string; open: () => Promise<{ store: Store } & AsyncDisposable> }> = [
  {
    name: 'embedded',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'tg-reg11-'))
      const store = await openEmbeddedStore({ dir })
      return {
        store,
        async [Symbol.asyncDispose]() {
          await store.close()
          await rm(dir, { recursive: true, force: true })
        },
      }
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createThrowawayDatabase('tg_reg11')
      const store = await openPostgresStore({ url: db.url })
      return {
        store,
        async [Symbol.asyncDispose]() {
          await store.close()
          await db[Symbol.asyncDispose]()
        },
      }
    },
  },
]

for (const backend of STORES) {
  test(`${backend.name}: withdrawing or revoking a pending grant cancels its approval; approving it then fails`, async () => {
    await using opened = await backend.open()
    const core = createCore({ config, store: opened.store, logger: pino({ level: 'silent' }) })
    try {
      const ask = () =>
        core.requestGrant(agent, {
          resourceId: 'billing-db',
          scope: 'update:billing.invoices',
          task: 'fix 8841',
        })

      const withdrawn = (await ask()).grant
      assert.equal(withdrawn.status, 'pending')
      assert.equal((await core.endGrant(agent, withdrawn.id)).endReason, 'cancelled')
      const closed = await core.getApproval(dba, withdrawn.approvalId!)
      assert.equal(closed.status, 'cancelled')
      assert.match(closed.decisionReason ?? '', /cancelled/)
      const inbox = await core.listApprovals(dba, { status: ['pending'] })
      assert.ok(!inbox.some((a) => a.grantId === withdrawn.id), 'no longer in the inbox')
      await assert.rejects(core.decideApproval(dba, closed.id, 'approve', 'looks fine'), {
        code: 'TG_APPROVAL_CANCELLED',
        message: /was cancelled/,
      })
      assert.equal((await core.getGrant(admin, withdrawn.id)).status, 'ended')

      const revoked = (await ask()).grant
      await core.revokeGrant(dba, revoked.id, 'wrong ticket')
      assert.equal((await core.getApproval(dba, revoked.approvalId!)).status, 'cancelled')
      const cancelled = await core.listAudit(admin, { type: 'approval.cancelled' })
      assert.deepEqual(
        cancelled.map((e) => e.subject),
        [withdrawn.approvalId, revoked.approvalId],
      )

      // An approval left pending by a gateway that did not close it at the grant's end (the store moved on
      // without it): the first attempt to decide it closes it instead.
      const stale = (await ask()).grant
      await opened.store.grants.end(stale.id, 'cancelled', new Date())
      await assert.rejects(core.decideApproval(dba, stale.approvalId!, 'approve', 'ok'), {
        code: 'TG_APPROVAL_CANCELLED',
      })
      assert.equal((await core.getApproval(dba, stale.approvalId!)).status, 'cancelled')
      assert.equal((await core.getGrant(admin, stale.id)).status, 'ended')
    } finally {
      await core.close()
    }
  })
}
