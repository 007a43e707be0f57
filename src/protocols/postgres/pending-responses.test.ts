import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type PendingResponse, PendingResponses } from './pending-responses.ts'

test('entries come out in order, whatever has been answered already', () => {
  const pending = new PendingResponses()
  const items = Array.from(
    { length: 5000 },
    (_, i): PendingResponse => ({ type: 'close', target: 'S', name: `${i}` }),
  )
  for (const item of items.slice(0, 3000)) pending.push(item)
  const out = Array.from({ length: 2000 }, () => pending.shift())
  for (const item of items.slice(3000)) pending.push(item)
  while (pending.length > 0) out.push(pending.shift())
  assert.deepEqual(out, items)
  assert.equal(pending.shift(), undefined)
})

test('a long pipeline is answered in linear time', () => {
  const pending = new PendingResponses()
  const sync: PendingResponse = { type: 'sync', parsed: [] }
  // A client can pipeline millions of Syncs (5 bytes each) before the socket buffers make it wait.
  const n = 2_000_000
  for (let i = 0; i < n; i++) pending.push(sync)
  const before = process.cpuUsage()
  for (let i = 0; i < n; i++) pending.shift()
  const cpu = process.cpuUsage(before)
  assert.equal(pending.length, 0)
  // A catastrophe bound, not a speed claim: a twentieth of a second here; copying the entries still waiting
  // every 1,024 answers took ~10 s.
  const seconds = (cpu.user + cpu.system) / 1e6
  assert.ok(seconds < 4, `${seconds.toFixed(1)} s of CPU to answer ${n} pipelined Syncs`)
})
