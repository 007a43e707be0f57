import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditEntry } from './events.ts'
import { GENESIS_HASH, hashEntry } from './hash-chain.ts'
import { verifyChain } from './verify-chain.ts'

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = []
  let prevHash = GENESIS_HASH
  for (let i = 1; i <= n; i++) {
    const partial = {
      seq: i,
      at: new Date(1_700_000_000_000 + i * 1000),
      type: 'grant.requested' as const,
      actor: `sa:a${i}`,
      subject: `g${i}`,
      data: { n: i, nested: { b: 1, a: [1, 2] } },
      prevHash,
    }
    const entry = { ...partial, hash: hashEntry(partial) }
    out.push(entry)
    prevHash = entry.hash
  }
  return out
}

test('an untouched chain verifies', () => {
  assert.deepEqual(verifyChain(chain(5)), { ok: true, entries: 5 })
})

test('a changed entry is caught at its seq', () => {
  const c = chain(5)
  c[2] = { ...c[2]!, actor: 'sa:mallory' }
  const r = verifyChain(c)
  assert.equal(r.ok, false)
  assert.equal(r.brokenAt, 3)
  assert.match(r.problem!, /changed/)
})

test('a removed entry is caught', () => {
  const c = chain(5)
  c.splice(1, 1)
  const r = verifyChain(c)
  assert.equal(r.ok, false)
  assert.equal(r.brokenAt, 3)
})

test('reordered entries are caught', () => {
  const c = chain(5)
  ;[c[1], c[2]] = [c[2]!, c[1]!]
  assert.equal(verifyChain(c).ok, false)
})

test('a re-hashed forged entry still breaks the next link', () => {
  const c = chain(4)
  const forged = { ...c[1]!, data: { n: 999 } }
  forged.hash = hashEntry(forged)
  c[1] = forged
  const r = verifyChain(c)
  assert.equal(r.ok, false)
  assert.equal(r.brokenAt, 3)
})

test('key order does not change the hash', () => {
  const base = {
    seq: 1,
    at: new Date(0),
    type: 'login.succeeded' as const,
    actor: 'x',
    prevHash: GENESIS_HASH,
  }
  assert.equal(hashEntry({ ...base, data: { a: 1, b: 2 } }), hashEntry({ ...base, data: { b: 2, a: 1 } }))
})
