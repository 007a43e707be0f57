import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import { TaskgateError } from './core/index.ts'
import { startWaitingForStore } from './store-startup-wait.ts'

const logger = pino({ level: 'silent' })
const noSleep = async () => {}

test('an unreachable or busy store is tried again until the start succeeds', async () => {
  const codes = ['TG_STORE_UNAVAILABLE', 'TG_STORE_BUSY', 'TG_STORE_UNAVAILABLE'] as const
  let calls = 0
  const result = await startWaitingForStore(
    async () => {
      const code = codes[calls++]
      if (code) throw new TaskgateError(code, { detail: 'down' })
      return 'started'
    },
    { waitMs: 60_000, logger, sleep: noSleep },
  )
  assert.equal(result, 'started')
  assert.equal(calls, 4)
})

test('any other failure ends the start at once', async () => {
  for (const error of [new TaskgateError('TG_CONFIG_INVALID', { detail: 'bad' }), new Error('EADDRINUSE')]) {
    let calls = 0
    await assert.rejects(
      startWaitingForStore(
        async () => {
          calls++
          throw error
        },
        { waitMs: 60_000, logger, sleep: noSleep },
      ),
      (e) => e === error,
    )
    assert.equal(calls, 1)
  }
})

test('the store error is thrown once store.startupWait has passed; backoff doubles up to 10 s', async () => {
  const waits: number[] = []
  let clock = 0
  const sleep = async (ms: number) => {
    waits.push(ms)
    clock += ms
  }
  const realNow = performance.now.bind(performance)
  const start = realNow()
  performance.now = () => start + clock
  try {
    await assert.rejects(
      startWaitingForStore(
        async () => {
          throw new TaskgateError('TG_STORE_UNAVAILABLE', { detail: 'down' })
        },
        { waitMs: 30_000, logger, sleep },
      ),
      (e) => e instanceof TaskgateError && e.code === 'TG_STORE_UNAVAILABLE',
    )
  } finally {
    performance.now = realNow
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10_000, 5000])
})

test('startupWait 0s: the first store failure ends the start', async () => {
  let calls = 0
  await assert.rejects(
    startWaitingForStore(
      async () => {
        calls++
        throw new TaskgateError('TG_STORE_UNAVAILABLE', { detail: 'down' })
      },
      { waitMs: 0, logger, sleep: noSleep },
    ),
  )
  assert.equal(calls, 1)
})
