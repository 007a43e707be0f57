import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkpointIsAuthentic, signCheckpoint } from './audit-checkpoint.ts'

const cp = { seq: 41, hash: 'a'.repeat(64), at: new Date('2026-03-01T00:00:00Z') }

test('a checkpoint verifies under its key only, and not once any field changed', () => {
  const signed = signCheckpoint('key-1', cp)
  assert.ok(checkpointIsAuthentic('key-1', signed))
  assert.ok(!checkpointIsAuthentic('key-2', signed))
  assert.ok(!checkpointIsAuthentic('key-1', { ...signed, seq: 40 }))
  assert.ok(!checkpointIsAuthentic('key-1', { ...signed, hash: 'b'.repeat(64) }))
  assert.ok(!checkpointIsAuthentic('key-1', { ...signed, at: new Date('2026-03-02T00:00:00Z') }))
  assert.ok(!checkpointIsAuthentic('key-1', { ...signed, mac: 'not hex' }))
})
