// Two gateways sharing one PostgreSQL store both run the SIEM exporter; only the holder of the sink's lease
// exports, so a sink does not get every entry twice. When the holder stops (lease released) or dies (its
// store connection gone, the lease left to expire), the other takes over from the stored cursor: every entry
// still arrives, in order, at least once. Real PostgreSQL store, the real JSON Lines sink.

import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import type { AuditSink } from '../../../src/core/audit/export/audit-sink.ts'
import { createJsonlSink } from '../../../src/core/audit/export/sinks/jsonl-sink.ts'
import { createWebhookSink } from '../../../src/core/audit/export/sinks/webhook-sink.ts'
import { type AuditExporter, hashEntry, startAuditExporter, systemClock } from '../../../src/core/index.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import type { Store } from '../../../src/store/store.ts'
import { assertAtLeastOnceInOrder } from '../../support/at-least-once.ts'
import { createThrowawayDatabase } from '../../support/postgres.ts'

const LEASE_MS = 900

async function append(store: Store, n: number, from: number): Promise<void> {
  for (let i = 1; i <= n; i++)
    await store.audit.append(
      { type: 'grant.issued', actor: 'agent:bot', subject: `g-${from + i}`, data: { n: from + i } },
      new Date(),
      hashEntry,
    )
}

/** The real JSONL sink, counting what this gateway delivered. */
function countedSink(path: string) {
  const sink = createJsonlSink({ id: 'files', batchSize: 25, path, maxBytes: 64 * 1024 * 1024, keep: 1 })
  const counted = { delivered: 0 }
  const wrapped: AuditSink = {
    ...sink,
    deliver: async (entries) => {
      await sink.deliver(entries)
      counted.delivered += entries.length
    },
  }
  return { sink: wrapped, counted }
}

async function caughtUp(store: Store, last: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await store.auditSinks.cursor('files')) >= last) return
    await sleep(100)
  }
  throw new Error(`the sink never reached seq ${last}`)
}

async function seqsIn(path: string): Promise<number[]> {
  const text = await readFile(path, 'utf8')
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).event.sequence as number)
}

function exporterOn(store: Store, sink: AuditSink, holder: string): AuditExporter {
  return startAuditExporter({
    store,
    sinks: [sink],
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 50,
    retry: { baseDelayMs: 50, maxDelayMs: 300 },
    holder,
    leaseMs: LEASE_MS,
  })
}

async function twoGateways() {
  const db = await createThrowawayDatabase('tg_export')
  const dir = await mkdtemp(join(tmpdir(), 'tg-export-replicas-'))
  const a = await openPostgresStore({ url: db.url })
  const b = await openPostgresStore({ url: db.url })
  return {
    a,
    b,
    path: join(dir, 'audit.jsonl'),
    async [Symbol.asyncDispose]() {
      await a.close()
      await b.close()
      await rm(dir, { recursive: true, force: true })
      await db[Symbol.asyncDispose]()
    },
  }
}

test('two gateways on one store: one exports, the other takes over when it stops; nothing lost', async () => {
  await using t = await twoGateways()
  const one = countedSink(t.path)
  const two = countedSink(t.path)
  const exporterA = exporterOn(t.a, one.sink, 'gateway-a')
  const exporterB = exporterOn(t.b, two.sink, 'gateway-b')
  try {
    await append(t.a, 200, 0)
    await caughtUp(t.a, 200)
    // Several lease periods with both running: still one exporter only.
    await append(t.b, 100, 200)
    await sleep(LEASE_MS * 3)
    await caughtUp(t.a, 300)
    assert.equal(
      one.counted.delivered + two.counted.delivered,
      300,
      'each entry delivered once while both ran',
    )
    const first = one.counted.delivered > 0 ? exporterA : exporterB
    const holder = first === exporterA ? 'gateway-a' : 'gateway-b'
    assert.equal(await t.a.leases.holder('audit-export:files'), holder)
    // The holder stops mid-burst; the other carries on from the stored cursor.
    const burst = append(t.a, 300, 300)
    await sleep(100)
    await first.close()
    await burst
    await caughtUp(t.b, 600)
    assertAtLeastOnceInOrder(await seqsIn(t.path), 600)
    assert.notEqual(await t.a.leases.holder('audit-export:files'), holder)
  } finally {
    await exporterA.close()
    await exporterB.close()
  }
})

test('the exporting gateway dies (its store gone, lease not released): the other takes over after the lease', async () => {
  await using t = await twoGateways()
  const one = countedSink(t.path)
  const two = countedSink(t.path)
  const exporterA = exporterOn(t.a, one.sink, 'gateway-a')
  // A holds the lease before B starts.
  for (let i = 0; i < 100 && (await t.a.leases.holder('audit-export:files')) !== 'gateway-a'; i++)
    await sleep(50)
  const exporterB = exporterOn(t.b, two.sink, 'gateway-b')
  try {
    await append(t.b, 150, 0)
    await caughtUp(t.b, 150)
    assert.equal(two.counted.delivered, 0, 'the standby exported nothing while the holder lived')
    // A dies as a process would: its connections go, nothing is released.
    await t.a.close()
    await append(t.b, 150, 150)
    await caughtUp(t.b, 300)
    assert.ok(two.counted.delivered > 0, 'the survivor exported')
    assertAtLeastOnceInOrder(await seqsIn(t.path), 300)
    assert.equal(await t.b.leases.holder('audit-export:files'), 'gateway-b')
  } finally {
    await exporterB.close()
    await exporterA.close()
  }
})

test('a failing sink shows its error on every gateway, whichever one exports it', async () => {
  await using t = await twoGateways()
  // Nothing listens there: every delivery is an outage.
  const unreachable = () =>
    createWebhookSink({
      id: 'files',
      batchSize: 10,
      url: 'http://127.0.0.1:9/',
      secret: 'webhook-secret-0123456789abcdef',
      timeoutMs: 2_000,
      maxAttempts: 3,
      clock: systemClock,
    })
  const exporterA = exporterOn(t.a, unreachable(), 'gateway-a')
  for (let i = 0; i < 100 && (await t.a.leases.holder('audit-export:files')) !== 'gateway-a'; i++)
    await sleep(50)
  const exporterB = exporterOn(t.b, unreachable(), 'gateway-b')
  try {
    await append(t.a, 5, 0)
    for (let i = 0; i < 200; i++) {
      const [status] = await exporterB.status()
      if (status?.lastError !== undefined) {
        assert.match(status.lastError, /refused|unreachable|ECONNREFUSED|connect/i)
        assert.equal(status.lag, 5)
        return
      }
      await sleep(50)
    }
    assert.fail('the standby never showed the exporting gateway’s error')
  } finally {
    await exporterA.close()
    await exporterB.close()
  }
})
