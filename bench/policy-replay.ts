// How long `taskgate policy replay` takes over a store of recorded statements: N statements (default 100 000)
// in sessions of 100 under grants of the same principal, a mix of reads, updates and denials with varying
// literals (as real sessions record), replayed through a candidate with two extra guardrails.
// Run: node bench/policy-replay.ts [statements] [embedded|postgres]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfigText } from '../src/config/load.ts'
import { type ActionRecord, createCore, type Principal } from '../src/core/index.ts'
import { createClassifier, loadSqlParser } from '../src/protocols/postgres/classify.ts'
import { POSTGRES_IMPLICIT_SCOPE } from '../src/protocols/postgres/implicit-scope.ts'
import { openEmbeddedStore } from '../src/store/embedded/index.ts'
import { openPostgresStore } from '../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../test/support/postgres.ts'

const statements = Number(process.argv[2] ?? 100_000)
const backend = process.argv[3] ?? 'embedded'
const PER_SESSION = 100

const base = `resources:
  - id: db
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: 127.0.0.1, port: 5432, database: postgres, user: postgres }
policies:
  - group: agents
    resources: [db]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
`
const candidate = `${base}guardrails:
  - id: no-notes
    description: notes are private
    action: deny
    match: { needs: ["select:billing.notes"] }
  - id: hold-invoice-updates
    description: a person looks at invoice changes
    action: approve
    match: { needs: ["update:billing.invoices"] }
`

const TEXTS: Array<(i: number) => [string, ActionRecord['outcome'], string?]> = [
  (i) => [`SELECT amount FROM billing.invoices WHERE id = ${i}`, 'allow'],
  (i) => [
    `SELECT c.name, i.amount FROM billing.invoices i JOIN billing.customers c ON c.id = i.id WHERE i.id > ${i}`,
    'allow',
  ],
  (i) => [`SELECT note FROM billing.notes WHERE id = ${i}`, 'allow'],
  (i) => [`UPDATE billing.invoices SET amount = ${i} WHERE id = ${i}`, 'allow'],
  (i) => [`DELETE FROM billing.invoices WHERE id = ${i}`, 'deny', 'scope'],
]

await loadSqlParser()
const dir = await mkdtemp(join(tmpdir(), 'tg-bench-replay-'))
const storeDb = backend === 'postgres' ? await createThrowawayDatabase('tg_bench') : undefined
const store = storeDb ? await openPostgresStore({ url: storeDb.url }) : await openEmbeddedStore({ dir })
const core = createCore({
  config: parseConfigText(base, 'bench.yaml'),
  store,
  logger: pino({ level: 'silent' }),
})
const classifier = createClassifier()
core.registerImplicitScope('postgres', POSTGRES_IMPLICIT_SCOPE)
core.registerReclassifier('postgres', (text) => classifier.classify(text))
const agent: Principal = {
  id: 'sa:bench',
  kind: 'agent',
  name: 'bench',
  groups: ['agents'],
  via: 'service-account',
}
const admin: Principal = { id: 'local:admin', kind: 'admin', name: 'admin', groups: [], via: 'local' }

try {
  const seeding = performance.now()
  const { grant } = await core.requestGrant(agent, {
    resourceId: 'db',
    scope: 'select:billing.*,update:billing.*',
    task: 'bench',
  })
  const now = new Date()
  for (let s = 0; s * PER_SESSION < statements; s++) {
    const id = `bench-session-${s}`
    await store.sessions.insert({
      id,
      grantId: grant.id,
      principalId: agent.id,
      principalName: agent.name,
      resourceId: 'db',
      protocol: 'postgres',
      client: 'bench',
      startedAt: now,
      endedAt: now,
      endReason: 'client closed',
    })
    const batch: ActionRecord[] = []
    for (let n = 0; n < PER_SESSION && s * PER_SESSION + n < statements; n++) {
      const i = s * PER_SESSION + n
      const [text, outcome, rule] = TEXTS[i % TEXTS.length]!(i)
      batch.push({
        sessionId: id,
        seq: n + 1,
        at: now,
        kind: 'Stmt',
        text,
        outcome,
        ...(rule ? { rule } : {}),
      })
    }
    await store.sessions.appendActions(batch)
  }
  console.log(
    `seeded ${statements} statements (${backend} store) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
  )
  const started = performance.now()
  const replay = await core.replayPolicy(admin, {
    candidate: parseConfigText(candidate, 'candidate.yaml'),
    since: new Date(now.getTime() - 60_000),
  })
  const seconds = (performance.now() - started) / 1000
  console.log(
    `node ${process.version}: replayed ${replay.statements} statements in ${seconds.toFixed(1)} s ` +
      `(${Math.round(replay.statements / seconds)}/s); ${replay.changed} would change: ` +
      replay.changes.map((c) => `${c.from}->${c.to} ${c.rule} ${c.count}`).join(', '),
  )
} finally {
  await core.close()
  await store.close()
  await storeDb?.[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
}
