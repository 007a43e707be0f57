import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SessionHandle } from '../sessions/session-handle.ts'
import { LiveSessions } from './live-sessions.ts'

function session(grantId: string, onClose: (reason: string) => void = () => {}): SessionHandle {
  return { id: `s-${Math.random()}`, grant: { id: grantId }, close: onClose } as unknown as SessionHandle
}

test('whenClosed resolves once every session told to close has closed', async () => {
  const live = new LiveSessions()
  const a = session('g1')
  const b = session('g1')
  live.add(a)
  live.add(b)
  assert.equal(live.closeGrant('g1', 'revoked'), 2)
  let resolved = false
  const waiting = live.whenClosed('g1', 10_000).then(() => {
    resolved = true
  })
  live.remove(a)
  await new Promise((r) => setImmediate(r))
  assert.equal(resolved, false)
  live.remove(b)
  await waiting
  assert.equal(resolved, true)
})

test('whenClosed gives up after its deadline, and resolves at once when nothing is closing', async () => {
  const live = new LiveSessions()
  await live.whenClosed('none', 10_000)
  live.add(session('g2'))
  live.closeGrant('g2', 'expired')
  const started = Date.now()
  await live.whenClosed('g2', 50)
  assert.ok(Date.now() - started >= 45)
})
