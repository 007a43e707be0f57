import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import type { AuditEventInput } from '../audit/events.ts'
import { AuditRetryQueue } from './audit-retry-queue.ts'

const event = (n: number): AuditEventInput => ({ type: 'action.denied', actor: 'sa:a', data: { n } })

test('a denial submitted after a flush of an empty queue is still appended (the drain is not left stale)', async () => {
  const appended: unknown[] = []
  const queue = new AuditRetryQueue(async (e) => appended.push(e.data), pino({ level: 'silent' }))
  await queue.flush()
  queue.submit(event(1))
  await queue.flush()
  queue.submit(event(2))
  queue.submit(event(3))
  await queue.flush()
  assert.deepEqual(appended, [{ n: 1 }, { n: 2 }, { n: 3 }])
  assert.equal(queue.queued, 0)
})

test('a refused append stays queued, is reported as the failure, and goes through on the next flush', async () => {
  let refuse = true
  const appended: unknown[] = []
  const queue = new AuditRetryQueue(
    async (e) => {
      if (refuse) throw new Error('store is read-only')
      appended.push(e.data)
    },
    pino({ level: 'silent' }),
  )
  queue.submit(event(1))
  await queue.flush()
  assert.equal(queue.queued, 1)
  assert.match(String(queue.failure), /read-only/)
  refuse = false
  await queue.flush()
  assert.deepEqual(appended, [{ n: 1 }])
  assert.equal(queue.failure, undefined)
})
