import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Core } from '../../core/index.ts'
import type { RequestInfo } from './request-info.ts'
import type { KubeLogin } from './serve-request.ts'
import { StreamRecorder } from './stream-recorder.ts'

/** A recorder of a WebSocket exec whose actions are collected. */
function recorder() {
  const actions: Array<{ kind: string; text: string }> = []
  const core = {
    recordAction: (_handle: unknown, action: { kind: string; text: string }) => actions.push(action),
  }
  const info = { subresource: 'exec', namespace: 'team-a', name: 'web' } as RequestInfo
  const login = { handle: {} } as KubeLogin
  return { actions, stream: new StreamRecorder(core as unknown as Core, login, info, 'websocket-channels') }
}

/** kubectl's stdin as masked client frames carrying `perFrame` bytes each (channel 0 first). */
function stdinFrames(bytes: number, perFrame: number): Buffer {
  const frames: Buffer[] = []
  for (let at = 0; at < bytes; at += perFrame) {
    const n = Math.min(perFrame, bytes - at)
    frames.push(Buffer.from([0x82, 0x80 | (n + 1), 0, 0, 0, 0, 0]), Buffer.alloc(n, 'a'))
  }
  return Buffer.concat(frames)
}

test('stdin typed a byte a frame is recorded in 16 KiB pieces without adding the pieces up again each time', () => {
  const { actions, stream } = recorder()
  const bytes = 1024 * 1024
  const input = stdinFrames(bytes, 1)
  const before = process.cpuUsage()
  for (let at = 0; at < input.length; at += 64 * 1024) stream.fromClient(input.subarray(at, at + 64 * 1024))
  const cpu = process.cpuUsage(before)
  stream.flush()
  const stdin = actions.filter((a) => a.kind === 'exec stdin')
  assert.equal(stdin.length, 64)
  assert.equal(
    stdin.reduce((n, a) => n + a.text.length, 0),
    bytes,
  )
  // A catastrophe bound, not a speed claim: summing the held pieces with every piece took ~8,000 additions a
  // byte (seconds of CPU for this megabyte, a frozen event loop), where reading the frames takes well under one.
  const seconds = (cpu.user + cpu.system) / 1e6
  assert.ok(seconds < 5, `${seconds.toFixed(1)} s of CPU for 1 MiB of one-byte frames`)
})
