import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import type { AuditEventInput } from '../audit/events.ts'
import { AuditRetryQueue } from './audit-retry-queue.ts'

const denial = (n: number): AuditEventInput => ({ type: 'action.denied', actor: `a${n}` })

test('a denial audit the store refused is kept, reported as a failure, and appended in order once it is back', async () => {
  let down = true
  const appended: string[] = []
  const queue = new AuditRetryQueue(async (event) => {
    if (down) throw new Error('store unreachable')
    appended.push(event.actor)
  }, pino({ level: 'silent' }))
  queue.submit(denial(1))
  queue.submit(denial(2))
  await queue.flush()
  assert.match(String(queue.failure), /store unreachable/)
  assert.equal(queue.queued, 2)
  down = false
  await queue.flush()
  assert.deepEqual(appended, ['a1', 'a2'])
  assert.equal(queue.failure, undefined)
  assert.equal(queue.queued, 0)
})
