import assert from 'node:assert/strict'
import { PassThrough, Writable } from 'node:stream'
import { test } from 'node:test'
import pino from 'pino'
import type { BudgetVerdict, ResultRead, SessionHandle } from '../../core/index.ts'
import { pipeCounted } from './response-budget.ts'

test('an answer crossing an `end` budget stops reaching the client mid-body', async () => {
  let counted = 0
  const handle = {
    countResult(read: ResultRead): BudgetVerdict | undefined {
      counted += read.bytes ?? 0
      return counted > 1000 ? { action: 'end', message: 'bytes budget 1000 crossed' } : undefined
    },
  } as unknown as SessionHandle
  const upstream = new PassThrough()
  const received: Buffer[] = []
  const client = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk)
      callback()
    },
  })
  pipeCounted(upstream, client, { handle, logger: pino({ level: 'silent' }) })
  for (let i = 0; i < 5; i++) {
    upstream.write(Buffer.alloc(400, 0x61))
    await new Promise((resolve) => setImmediate(resolve))
  }
  const bytes = received.reduce((n, c) => n + c.length, 0)
  assert.equal(counted, 1200, 'counting stops with the relay: nothing more is read')
  assert.ok(bytes <= 1200, `the client received ${bytes} bytes`)
  assert.ok(upstream.isPaused())
})
