import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { StoreChannel } from '../../../src/store/store.ts'
import { id, type StoreContractOptions } from './fixtures.ts'

/** Collects payloads of one channel; `next()` waits for the next one (or fails after a timeout). */
function collect(subscribe: (listener: (payload: string) => void) => () => void) {
  const received: string[] = []
  const waiters: (() => void)[] = []
  const unsubscribe = subscribe((payload) => {
    received.push(payload)
    waiters.shift()?.()
  })
  return {
    received,
    unsubscribe,
    async until(count: number, timeoutMs = 5000): Promise<string[]> {
      const deadline = Date.now() + timeoutMs
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} payloads, got ${received.length}`)
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), sleep(50)])
      }
      return received
    },
  }
}

export function eventCases({ open, eventsAcrossInstances }: StoreContractOptions): void {
  test('events: a subscriber receives each payload of its channel once, in publish order', async () => {
    await using t = await open()
    const channel: StoreChannel = 'grant_changed'
    const grants = collect((l) => t.store.subscribe(channel, l))
    const approvals = collect((l) => t.store.subscribe('approval_changed', l))
    const payloads = [id('grant'), id('grant'), JSON.stringify({ id: 'g', status: 'ended', note: 'ünïcödé' })]
    for (const p of payloads) await t.store.publish(channel, p)
    await t.store.publish('approval_changed', 'a1')
    assert.deepEqual(await grants.until(3), payloads)
    assert.deepEqual(await approvals.until(1), ['a1'])
    await sleep(100)
    assert.deepEqual(grants.received, payloads, 'no duplicates, no cross-channel delivery')
  })

  test('events: every listener gets the payload; after unsubscribe none arrives', async () => {
    await using t = await open()
    const one = collect((l) => t.store.subscribe('approval_changed', l))
    const two = collect((l) => t.store.subscribe('approval_changed', l))
    await t.store.publish('approval_changed', 'first')
    assert.deepEqual(await one.until(1), ['first'])
    assert.deepEqual(await two.until(1), ['first'])
    one.unsubscribe()
    await t.store.publish('approval_changed', 'second')
    assert.deepEqual(await two.until(2), ['first', 'second'])
    await sleep(100)
    assert.deepEqual(one.received, ['first'])
  })

  test('events: a throwing listener does not stop delivery to the others', async () => {
    await using t = await open()
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    process.on('warning', onWarning)
    try {
      t.store.subscribe('grant_changed', () => {
        throw new Error('listener bug')
      })
      const ok = collect((l) => t.store.subscribe('grant_changed', l))
      await t.store.publish('grant_changed', 'x')
      assert.deepEqual(await ok.until(1), ['x'])
    } finally {
      await sleep(10)
      process.off('warning', onWarning)
    }
    assert.ok(warnings.some((w) => w.includes('listener bug')))
  })

  if (eventsAcrossInstances) {
    test('events: a payload published on one instance reaches a second instance on the same storage', async () => {
      await using t = await open()
      const other = await t.openAnother()
      const remote = collect((l) => other.subscribe('grant_changed', l))
      const local = collect((l) => t.store.subscribe('grant_changed', l))
      await t.store.publish('grant_changed', 'from-first')
      await other.publish('grant_changed', 'from-second')
      assert.deepEqual((await remote.until(2)).sort(), ['from-first', 'from-second'])
      assert.deepEqual((await local.until(2)).sort(), ['from-first', 'from-second'])
    })
  }
}
