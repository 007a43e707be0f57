// Anomaly signals from recordings seeded in a real embedded store: a request wider than the principal's
// similar earlier tasks used, an object none of them touched, far more rows than they read, and an hour the
// principal never asks at. Each signal is asserted exactly, and its absence when the history does not
// support it (dissimilar tasks, too little history).
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { grantEvidence } from '../../../src/core/advice/grant-evidence.ts'
import type { CoreContext } from '../../../src/core/core-context.ts'
import type { Grant } from '../../../src/core/index.ts'
import { openEmbeddedStore } from '../../../src/store/embedded/index.ts'
import type { Store } from '../../../src/store/store.ts'

let dir: string
let store: Store
let ctx: CoreContext
let n = 0

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-evidence-'))
  store = await openEmbeddedStore({ dir })
  ctx = { store } as unknown as CoreContext
})
after(async () => {
  await store.close()
  await rm(dir, { recursive: true, force: true })
})

const select = (object: string) => ({ verb: 'select', object })

/** A grant of `principal` requested at `at`, with one session whose allowed statements read `reads`. */
async function seed(
  principal: string,
  task: string,
  at: string,
  scope: string[],
  reads: Array<{ object: string; rows: number }> = [],
): Promise<Grant> {
  n++
  const grant: Grant = {
    id: `g-ev-${n}`,
    principalId: principal,
    principalName: principal,
    groups: ['agents'],
    resourceId: 'db',
    scope: scope.map(select),
    task,
    status: 'ended',
    sessionBound: false,
    ttlSeconds: 600,
    requestedAt: new Date(at),
    activatedAt: new Date(at),
    expiresAt: new Date(new Date(at).getTime() + 600_000),
  }
  await store.grants.insert(grant)
  if (reads.length === 0) return grant
  const sessionId = `s-ev-${n}`
  await store.sessions.insert({
    id: sessionId,
    grantId: grant.id,
    principalId: principal,
    principalName: principal,
    resourceId: 'db',
    protocol: 'postgres',
    client: '127.0.0.1',
    startedAt: new Date(at),
  })
  await store.sessions.appendActions(
    reads.map((r, i) => ({
      sessionId,
      seq: i + 1,
      at: new Date(at),
      kind: 'SelectStmt',
      text: `SELECT * FROM ${r.object}`,
      outcome: 'allow' as const,
      needs: [select(r.object), select('pg_catalog.pg_class')],
      rowCount: r.rows,
    })),
  )
  return grant
}

test('wider than the similar earlier tasks, an unseen table, and far more rows', async () => {
  await seed(
    'sa:a',
    'export the monthly invoices report',
    '2026-11-01T10:00:00Z',
    ['public.invoices'],
    [{ object: 'public.invoices', rows: 120 }],
  )
  await seed(
    'sa:a',
    'monthly invoices report export',
    '2026-11-02T10:00:00Z',
    ['public.*'],
    [{ object: 'public.invoices', rows: 80 }],
  )
  // Dissimilar task and another principal's similar one: neither is this principal's evidence.
  await seed(
    'sa:a',
    'rotate the api keys',
    '2026-11-03T10:00:00Z',
    ['public.keys'],
    [{ object: 'public.keys', rows: 1 }],
  )
  await seed(
    'sa:b',
    'export the monthly invoices report',
    '2026-11-03T10:00:00Z',
    ['public.customers'],
    [{ object: 'public.customers', rows: 5 }],
  )
  const request = await seed('sa:a', 'export monthly invoices report for december', '2026-12-01T10:30:00Z', [
    'public.invoices',
    'public.customers',
  ])
  const asked = await grantEvidence(ctx, request, false)
  assert.deepEqual(
    asked.similar.map((s) => s.task),
    ['monthly invoices report export', 'export the monthly invoices report'],
  )
  assert.deepEqual(asked.pastUsed, ['select:public.invoices'])
  assert.deepEqual(asked.widerThanPast, ['select:public.customers'])
  assert.deepEqual(asked.signals, [
    {
      kind: 'wider-than-past',
      message: "requests 1 scope entry none of the principal's 2 similar earlier task(s) used",
      items: ['select:public.customers'],
    },
  ])

  const ran = await seed(
    'sa:a',
    'export monthly invoices report for december',
    '2026-12-02T10:30:00Z',
    ['public.invoices', 'public.customers'],
    [
      { object: 'public.invoices', rows: 1500 },
      { object: 'public.customers', rows: 900 },
    ],
  )
  const used = await grantEvidence(ctx, ran, true)
  assert.equal(used.rows, 2400)
  assert.deepEqual(
    used.signals.map((s) => [s.kind, s.message, s.items]),
    [
      [
        'wider-than-past',
        // The request above ran nothing: it is no evidence.
        "requests 1 scope entry none of the principal's 2 similar earlier task(s) used",
        ['select:public.customers'],
      ],
      [
        'unseen-object',
        'used 1 object(s) no similar earlier task of the principal touched',
        ['public.customers'],
      ],
      ['volume', '2,400 rows, over 10x the most a similar earlier task handled (120)', undefined],
    ],
  )
})

test('an hour of day the principal never asks at, once there are ten earlier grants', async () => {
  for (let day = 1; day <= 9; day++)
    await seed('sa:c', `task ${day}`, `2026-11-${String(day).padStart(2, '0')}T09:00:00Z`, ['public.t'])
  const ninth = await seed('sa:c', 'night task', '2026-11-20T03:00:00Z', ['public.t'])
  assert.deepEqual((await grantEvidence(ctx, ninth, false)).signals, [], 'nine earlier grants: too few')
  const tenth = await seed('sa:c', 'night task again', '2026-11-21T03:00:00Z', ['public.t'])
  assert.deepEqual(
    (await grantEvidence(ctx, tenth, false)).signals.map((s) => s.kind),
    [],
    'the previous night grant is within the hour',
  )
  const odd = await seed('sa:c', 'evening task', '2026-11-22T20:00:00Z', ['public.t'])
  assert.deepEqual((await grantEvidence(ctx, odd, false)).signals, [
    {
      kind: 'off-hours',
      message:
        "requested at 20:00 UTC; none of the principal's 11 earlier grants here was requested within an hour of that time",
    },
  ])
})
