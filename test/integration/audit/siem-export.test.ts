// SIEM export against real receivers: Debian's rsyslog (imtcp, plain and TLS through gtls), a real HTTPS
// server for the webhook and OTLP sinks, and JSON Lines files. Every entry arrives in order, at least once,
// with the receivers killed and restarted mid-burst; a refused batch is dead-lettered and shows in status.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import type { AuditSink } from '../../../src/core/audit/export/audit-sink.ts'
import { createJsonlSink } from '../../../src/core/audit/export/sinks/jsonl-sink.ts'
import { createOtlpSink } from '../../../src/core/audit/export/sinks/otlp-sink.ts'
import { createSyslogSink } from '../../../src/core/audit/export/sinks/syslog-sink.ts'
import { createWebhookSink } from '../../../src/core/audit/export/sinks/webhook-sink.ts'
import { type AuditExporter, hashEntry, startAuditExporter, systemClock } from '../../../src/core/index.ts'
import { openEmbeddedStore } from '../../../src/store/embedded/index.ts'
import type { Store } from '../../../src/store/store.ts'
import { assertAtLeastOnceInOrder } from '../../support/at-least-once.ts'
import { startHttpsReceiver } from '../../support/https-receiver.ts'
import { startRsyslog } from '../../support/start-rsyslog.ts'
import { generateLoopbackCert } from '../../support/test-tls-cert.ts'

const SECRET = 'audit-export-test-secret'
const quickRetry = { baseDelayMs: 50, maxDelayMs: 500 }

async function openStore(): Promise<{ store: Store; dir: string } & AsyncDisposable> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-siem-'))
  const store = await openEmbeddedStore({ dir: join(dir, 'data') })
  return {
    store,
    dir,
    async [Symbol.asyncDispose]() {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function appendEntries(store: Store, n: number, from = 0): Promise<void> {
  for (let i = 1; i <= n; i++)
    await store.audit.append(
      {
        type: i % 7 === 0 ? 'action.denied' : 'grant.issued',
        actor: 'agent:bot',
        subject: `g-${from + i}`,
        data: { n: from + i },
      },
      new Date(),
      hashEntry,
    )
}

async function caughtUp(exporter: AuditExporter, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const status = await exporter.status()
    if (status.every((s) => s.lag === 0 && s.headSeq > 0)) return
    await sleep(100)
  }
  throw new Error(`${what}: sinks never caught up: ${JSON.stringify(await exporter.status())}`)
}

const seqOfSyslogLine = (line: string) => Number(/ seq="(\d+)"/.exec(line)?.[1])
const seqsOfNdjson = (bodies: string[]) =>
  bodies.flatMap((body) =>
    body
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).event.sequence as number),
  )

test('syslog over TCP and TLS to rsyslog: RFC 5424 with structured data, every entry in order across a receiver outage', async () => {
  const cert = await generateLoopbackCert()
  await using t = await openStore()
  await using plain = await startRsyslog()
  await using secure = await startRsyslog({ cert })
  const common = {
    batchSize: 50,
    facility: 13,
    appName: 'taskgate',
    enterpriseId: '32473',
    timeoutMs: 10_000,
  }
  const sinks: AuditSink[] = [
    createSyslogSink({ ...common, id: 'syslog-tcp', host: '127.0.0.1', port: plain.port, transport: 'tcp' }),
    createSyslogSink({
      ...common,
      id: 'syslog-tls',
      host: '127.0.0.1',
      port: secure.port,
      transport: 'tls',
      tls: { ca: cert.cert },
    }),
  ]
  const exporter = startAuditExporter({
    store: t.store,
    sinks,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 50,
    retry: quickRetry,
  })
  try {
    await appendEntries(t.store, 300)
    // Syslog has no acknowledgement (RFC 6587, RFC 5425): rsyslog closes the connection after reading a
    // batch, and a receiver stopped right then can still lose what it read (seen here with SIGTERM and
    // SIGKILL alike). So the receivers stop between batches, stay down while entries are written, and come
    // back in the middle of the burst; the webhook test kills its receiver mid-batch.
    await caughtUp(exporter, 'syslog before the outage')
    await plain.kill('SIGTERM')
    await secure.kill('SIGTERM')
    await appendEntries(t.store, 300, 300)
    await sleep(300)
    const burst = appendEntries(t.store, 200, 600)
    await plain.start()
    await secure.start()
    await burst
    await caughtUp(exporter, 'syslog')
  } finally {
    await exporter.close()
  }
  for (const receiver of [plain, secure]) {
    const lines = await receiver.lines()
    assertAtLeastOnceInOrder(lines.map(seqOfSyslogLine), 800)
    const denied = lines.find((l) => l.startsWith('action.denied '))!
    assert.match(
      denied,
      /^action\.denied \[taskgate@32473 seq="7" action="action\.denied" outcome="failure" actor="agent:bot" subject="g-7" hash="[0-9a-f]{64}"\] /,
    )
    const doc = JSON.parse(denied.slice(denied.indexOf('] ') + 2).replace(/^\uFEFF/, ''))
    assert.equal(doc.event.action, 'action.denied')
    assert.equal(doc.event.outcome, 'failure')
    assert.equal(doc.user.id, 'agent:bot')
  }
})

test('webhook over HTTPS: signed NDJSON batches, every entry in order across a receiver kill; a refused batch is dead-lettered', async () => {
  const cert = await generateLoopbackCert()
  await using t = await openStore()
  await using receiver = await startHttpsReceiver(cert, SECRET)
  const sink = createWebhookSink({
    id: 'hook',
    batchSize: 40,
    maxAttempts: 3,
    url: `${receiver.url}/audit`,
    secret: SECRET,
    ca: cert.cert,
    timeoutMs: 10_000,
    clock: systemClock,
  })
  const exporter = startAuditExporter({
    store: t.store,
    sinks: [sink],
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 50,
    retry: quickRetry,
  })
  try {
    await appendEntries(t.store, 200)
    await receiver.kill()
    await appendEntries(t.store, 200, 200)
    // An outage (nobody answers) is retried without limit: nothing is dead-lettered while the receiver is away.
    await sleep(1500)
    const during = (await exporter.status())[0]!
    assert.equal(during.deadLettered, 0)
    assert.ok(during.lastError, 'the status says why the sink is failing')
    await receiver.start()
    await caughtUp(exporter, 'webhook')
    const seqs = seqsOfNdjson(receiver.batches.map((b) => b.body))
    assertAtLeastOnceInOrder(seqs, 400)
    assert.ok(
      receiver.batches.every((b) => b.signatureOk),
      'every batch carries a valid signature',
    )
    assert.ok(receiver.batches.every((b) => b.headers['content-type'] === 'application/x-ndjson'))

    // A receiver that keeps answering 503 gets maxAttempts tries, then the batch is dead-lettered.
    receiver.answerWith = 503
    await appendEntries(t.store, 5, 400)
    for (let i = 0; i < 300 && (await exporter.status())[0]!.deadLettered === 0; i++) await sleep(50)
    const after = (await exporter.status())[0]!
    assert.equal(after.deadLettered, 5)
    assert.equal(after.lag, 0)
    const [letter] = await t.store.auditSinks.listDeadLetters('hook', 10)
    assert.deepEqual(
      { fromSeq: letter?.fromSeq, toSeq: letter?.toSeq, attempts: letter?.attempts, reason: letter?.reason },
      { fromSeq: 401, toSeq: 405, attempts: 3, reason: 'HTTP 503' },
    )
  } finally {
    await exporter.close()
  }
})

test('OTLP/HTTP JSON logs and rotated 0600 JSON Lines files', async () => {
  const cert = await generateLoopbackCert()
  await using t = await openStore()
  await using collector = await startHttpsReceiver(cert, SECRET)
  const path = join(t.dir, 'export', 'audit.jsonl')
  const exporter = startAuditExporter({
    store: t.store,
    sinks: [
      createOtlpSink({
        id: 'otel',
        batchSize: 100,
        maxAttempts: 3,
        url: `${collector.url}/v1/logs`,
        authorization: 'Bearer collector-token',
        ca: cert.cert,
        timeoutMs: 10_000,
        clock: systemClock,
      }),
      createJsonlSink({ id: 'files', batchSize: 20, path, maxBytes: 4096, keep: 3 }),
    ],
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 50,
    retry: quickRetry,
  })
  try {
    await appendEntries(t.store, 120)
    await caughtUp(exporter, 'otlp+jsonl')
  } finally {
    await exporter.close()
  }
  const records = collector.batches.flatMap((b) => {
    assert.equal(b.path, '/v1/logs')
    assert.equal(b.headers.authorization, 'Bearer collector-token')
    return JSON.parse(b.body).resourceLogs[0].scopeLogs[0].logRecords
  })
  const seqs = records.map((r: { attributes: Array<{ key: string; value: { intValue?: string } }> }) =>
    Number(r.attributes.find((a) => a.key === 'event.sequence')?.value.intValue),
  )
  assertAtLeastOnceInOrder(seqs, 120)
  assert.equal(records[6].severityText, 'WARN')
  assert.equal(records[6].eventName, 'action.denied')

  // The newest file is PATH, then PATH.1 (older) ... PATH.3; older ones than keep are gone.
  const files = (await readdir(join(t.dir, 'export'))).sort()
  assert.deepEqual(files, ['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2', 'audit.jsonl.3'])
  const kept: number[] = []
  for (const name of ['audit.jsonl.3', 'audit.jsonl.2', 'audit.jsonl.1', 'audit.jsonl']) {
    const file = join(t.dir, 'export', name)
    assert.equal((await stat(file)).mode & 0o777, 0o600, `${name} is 0600`)
    assert.ok((await stat(file)).size <= 4096 + 20 * 600)
    kept.push(...seqsOfNdjson([await readFile(file, 'utf8')]))
  }
  // Rotation dropped the oldest files; what is kept is contiguous and ends at the newest entry.
  assert.equal(kept.at(-1), 120)
  for (let i = 1; i < kept.length; i++) assert.equal(kept[i], kept[i - 1]! + 1)
})
