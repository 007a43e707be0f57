import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditEntry } from './events.ts'
import { GENESIS_HASH, hashEntry } from './hash-chain.ts'
import { verifyAuditLog } from './verify-audit-log.ts'

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = []
  let prevHash = GENESIS_HASH
  for (let seq = 1; seq <= n; seq++) {
    const partial = { seq, at: new Date(seq * 1000), type: 'grant.requested' as const, actor: 'a', prevHash }
    const entry = { ...partial, hash: hashEntry(partial) }
    out.push(entry)
    prevHash = entry.hash
  }
  return out
}
const headOf = (e: AuditEntry) => ({ seq: e.seq, hash: e.hash })

test('a log that reaches its recorded head verifies and reports that head', () => {
  const c = chain(4)
  assert.deepEqual(verifyAuditLog(c, headOf(c[3]!)), { ok: true, entries: 4, head: headOf(c[3]!) })
  assert.deepEqual(verifyAuditLog([], undefined), { ok: true, entries: 0 })
})

test('the newest entries removed: the remaining chain links, the recorded head shows the loss', () => {
  const c = chain(4)
  const r = verifyAuditLog(c.slice(0, 2), headOf(c[3]!))
  assert.equal(r.ok, false)
  assert.equal(r.brokenAt, 3)
  assert.match(
    r.problem!,
    /ends at seq 2 but the recorded chain head is seq 4: the newest entries were removed/,
  )
  assert.equal(verifyAuditLog([], headOf(c[0]!)).ok, false, 'every entry removed')
})

test('a replaced newest entry, a removed head record, entries beyond the head all fail', () => {
  const c = chain(3)
  assert.match(verifyAuditLog(c, { seq: 3, hash: 'f'.repeat(64) }).problem!, /entry replaced/)
  assert.match(verifyAuditLog(c, undefined).problem!, /no recorded chain head/)
  assert.match(verifyAuditLog(c, headOf(c[1]!)).problem!, /written outside the gateway/)
})

test('an anchor kept elsewhere catches a removal that also rewound the recorded head', () => {
  const c = chain(5)
  const anchor = headOf(c[4]!)
  const rewound = c.slice(0, 3)
  assert.equal(verifyAuditLog(rewound, headOf(c[2]!)).ok, true)
  const r = verifyAuditLog(rewound, headOf(c[2]!), anchor)
  assert.equal(r.ok, false)
  assert.match(r.problem!, /before the anchor seq 5: entries were removed/)
  assert.match(verifyAuditLog(c, headOf(c[4]!), { seq: 2, hash: 'e'.repeat(64) }).problem!, /rewritten/)
  assert.equal(verifyAuditLog(c, headOf(c[4]!), headOf(c[1]!)).ok, true)
})

test('a broken link is reported as before', () => {
  const c = chain(3)
  c[1] = { ...c[1]!, actor: 'mallory' }
  assert.equal(verifyAuditLog(c, headOf(c[2]!)).brokenAt, 2)
})
