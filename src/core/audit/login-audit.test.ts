import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ManualClock } from '../clock.ts'
import type { AuditEventInput } from './events.ts'
import { createLoginAudit } from './login-audit.ts'

const limits = { perSource: 3, total: 10, windowMs: 60_000, maxTrackedSources: 5 }

function setup(overrides: Partial<typeof limits> = {}) {
  const written: AuditEventInput[] = []
  const clock = new ManualClock('2026-01-01T00:00:00Z')
  const audit = createLoginAudit(async (e) => written.push(e), clock, { ...limits, ...overrides })
  return { written, clock, audit }
}

const failure = (user: string, client = '10.0.0.1') => ({
  channel: 'postgres',
  client,
  user,
  resource: 'pg',
  reason: 'wrong secret',
})

test('a success is written with its channel, client and data', async () => {
  const { written, audit } = setup()
  await audit.succeeded({
    channel: 'console',
    client: '::1',
    actor: 'sa:bot',
    data: { via: 'service-account' },
  })
  assert.deepEqual(written, [
    {
      type: 'login.succeeded',
      actor: 'sa:bot',
      data: { channel: 'console', client: '::1', via: 'service-account' },
    },
  ])
})

test('failures beyond the per-source limit are counted, then summarised once the window ends', async () => {
  const { written, clock, audit } = setup()
  for (let i = 0; i < 50; i++) await audit.failed(failure('tg_guess'))
  assert.equal(written.length, 3)
  assert.deepEqual(written[0], {
    type: 'login.failed',
    actor: 'tg_guess',
    subject: 'pg',
    data: {
      channel: 'postgres',
      client: '10.0.0.1',
      user: 'tg_guess',
      resource: 'pg',
      reason: 'wrong secret',
    },
  })
  await audit.flush()
  assert.equal(written.length, 3, 'nothing to summarise before the window ends')
  clock.advance(60_000)
  await audit.flush()
  assert.equal(written.length, 4)
  const summary = written[3]!
  assert.equal(summary.type, 'login.failed')
  assert.equal(summary.actor, 'gateway')
  assert.equal(summary.data?.coalesced, 47)
  assert.deepEqual(summary.data?.top, [
    { channel: 'postgres', client: '10.0.0.1', user: 'tg_guess', resource: 'pg', coalesced: 47 },
  ])
  await audit.failed(failure('tg_guess'))
  assert.equal(written.length, 5, 'a new window writes again')
})

test('many users from many sources stay within the global limit; the summary carries the count', async () => {
  const { written, clock, audit } = setup({ maxTrackedSources: 10_000 })
  for (let i = 0; i < 1000; i++) await audit.failed(failure(`user${i}`, `10.0.${i % 7}.1`))
  assert.equal(written.length, 10)
  clock.advance(61_000)
  // The next event writes the previous window's summary first.
  await audit.failed(failure('late'))
  assert.equal(written.length, 12)
  assert.equal(written[10]!.data?.coalesced, 990)
  assert.ok((written[10]!.data!.top as unknown[]).length <= 20)
  assert.equal(written[11]!.actor, 'late')
})

test('flush(true) at shutdown writes the current window', async () => {
  const { written, audit } = setup()
  for (let i = 0; i < 5; i++) await audit.failed(failure('x'))
  await audit.flush(true)
  assert.equal(written.at(-1)?.data?.coalesced, 2)
})

test('sources past the tracking limit are not written one by one but still counted', async () => {
  const { written, audit } = setup()
  for (let i = 0; i < 8; i++) await audit.failed(failure(`user${i}`))
  assert.equal(written.length, 5)
  await audit.flush(true)
  assert.equal(written.at(-1)?.data?.coalesced, 3)
  assert.deepEqual(
    (written.at(-1)!.data!.top as { user: string }[]).map((s) => s.user),
    ['(many)'],
  )
})
