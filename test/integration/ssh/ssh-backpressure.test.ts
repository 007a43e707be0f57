// Backpressure through the SSH relay: a client that stops reading an exec's output must stop the target's
// command (through the SSH windows of both channels), not make the gateway buffer the output. The target
// command writes 128 MiB in 32 KiB pieces and counts them in a file; with the client paused, the count must
// stop far below that (what is buffered: the two channels' windows and ssh2's stream buffers, a few MiB
// each, plus the kernel's socket buffers), and the gateway's buffers must not hold the output.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ClientChannel } from 'ssh2'
import { startSshGateway, waitFor } from '../../support/start-ssh-gateway.ts'

const PIECE = 32 * 1024
const PIECES = 4096
/** Far above what the windows and stream buffers of both hops may hold, far below the 128 MiB written. */
const BOUND = 24 * 2 ** 20

test('a client that does not read stops the target command: the gateway does not buffer its output', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const progress = join(g.dir, 'progress')
  const command = `i=0; while [ $i -lt ${PIECES} ]; do head -c ${PIECE} /dev/zero | tr '\\0' a; i=$((i+1)); echo $i > ${progress}; done`
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    client.exec(command, (error, stream) => (error ? reject(error) : resolve(stream))),
  )
  // What the gateway or the target says on stderr (a refusal, an upstream failure) goes into a failure.
  let stderr = ''
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  // Never read: ssh2's client buffers up to its window and then stops granting the gateway more.
  channel.pause()
  const external = () => process.memoryUsage().arrayBuffers
  const before = external()
  const count = async () => Number((await readFile(progress, 'utf8').catch(() => '0')).trim() || 0)
  // The command starts once the gateway has decided it and logged in to the target, which a loaded
  // machine can take seconds to do: the stall is measured from its first piece, not from the exec.
  await waitFor(async () => stderr !== '' || (await count()) > 0, 60_000)
  // Wait until the command is blocked: its count has not moved for 2 s (or it finished: a failure).
  let last = -1
  let still = 0
  while (still < 8) {
    await sleep(250)
    const now = await count()
    still = now === last ? still + 1 : 0
    last = now
    if (now >= PIECES) break
  }
  const written = last * PIECE
  assert.ok(
    written > 0,
    `the command ran (stderr: ${JSON.stringify(stderr)}; sshd: ${g.sshd.log().slice(-800)})`,
  )
  assert.ok(
    written < BOUND,
    `the target wrote ${(written / 2 ** 20).toFixed(1)} MiB to a client that reads nothing`,
  )
  // The test's process holds the gateway and the client: what it holds in buffers stays below the bound.
  assert.ok(
    external() - before < BOUND,
    `buffers grew by ${((external() - before) / 2 ** 20).toFixed(1)} MiB`,
  )
  // Reading again releases it: the command moves on.
  channel.resume()
  let resumed = last
  for (let i = 0; i < 200 && resumed <= last; i++) {
    await sleep(50)
    resumed = await count()
  }
  assert.ok(resumed > last, 'the command continues once the client reads')
  channel.close()
  client.end()
})
