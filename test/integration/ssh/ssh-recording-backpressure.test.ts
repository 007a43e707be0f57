// A recording file the disk takes slower than the target writes must hold the target's output in the SSH
// windows, not queue it in the gateway's memory: while the recorder says it is behind, the client receives
// no more than the windows and stream buffers hold; once the file has caught up, the output flows again and
// the recording has all of it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ClientChannel } from 'ssh2'
import { AsciicastWriter } from '../../../src/protocols/ssh/asciicast.ts'
import { startSshGateway, waitFor } from '../../support/start-ssh-gateway.ts'

const TOTAL = 64 * 2 ** 20
/** Far above what the windows and stream buffers of both hops may hold, far below what the command writes. */
const BOUND = 24 * 2 ** 20

test('a recording that falls behind holds the output until it catches up, then all of it flows', async (t) => {
  // A disk that stalls: the recorder is behind from the first output until the test lets it catch up.
  let catchUp!: () => void
  const caughtUp = new Promise<void>((resolve) => {
    catchUp = resolve
  })
  let stalled = true
  const behind = Object.getOwnPropertyDescriptor(AsciicastWriter.prototype, 'behind')!
  const drained = AsciicastWriter.prototype.drained
  Object.defineProperty(AsciicastWriter.prototype, 'behind', { configurable: true, get: () => stalled })
  AsciicastWriter.prototype.drained = () => caughtUp
  t.after(() => {
    Object.defineProperty(AsciicastWriter.prototype, 'behind', behind)
    AsciicastWriter.prototype.drained = drained
  })
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    client.exec(`head -c ${TOTAL} /dev/zero | tr '\\0' y`, (error, stream) =>
      error ? reject(error) : resolve(stream),
    ),
  )
  let received = 0
  channel.on('data', (chunk: Buffer) => {
    received += chunk.length
  })
  let stderr = ''
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number>((resolve) => channel.once('exit', resolve))
  const closed = new Promise((resolve) => channel.once('close', resolve))
  // The command starts once the gateway has decided it and logged in to the target, which a loaded
  // machine can take seconds to do; or it never does (stderr says why): the stall counts from there.
  await waitFor(() => received > 0 || stderr !== '', 60_000)
  // Wait until nothing more arrives for 1 s.
  let last = -1
  for (let still = 0; still < 4; ) {
    await sleep(250)
    still = received === last ? still + 1 : 0
    last = received
  }
  assert.ok(
    received > 0,
    `the command ran (stderr: ${JSON.stringify(stderr)}; sshd: ${g.sshd.log().slice(-800)})`,
  )
  assert.ok(
    received < BOUND,
    `the client received ${(received / 2 ** 20).toFixed(1)} MiB past a stalled recording`,
  )
  stalled = false
  catchUp()
  assert.equal(await exited, 0)
  await closed
  assert.equal(received, TOTAL)
  client.end()
})
