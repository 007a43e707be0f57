// The relay packs the target's output into as few SSH packets as its bytes allow (coalesce-output.ts):
// through a real sshd, bytes keep their order, stdout and stderr stay apart, and the exit status never
// overtakes the data, also when the client's window holds the last of it back until the command has ended.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ClientChannel } from 'ssh2'
import { startSshGateway } from '../../support/start-ssh-gateway.ts'

interface Seen {
  stdout: Buffer
  stderr: Buffer
  code: number | null
  /** Bytes of each stream the client had received (read or buffered) when exit-status arrived. */
  atExit: { stdout: number; stderr: number } | undefined
}

/** Runs `command`, collecting both streams; `pauseMs` keeps stdout unread that long (the client's window
 * fills and the gateway holds the rest). */
function run(channel: ClientChannel, pauseMs = 0): Promise<Seen> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  let outBytes = 0
  let errBytes = 0
  let seen: Seen['atExit']
  let code: number | null = null
  return new Promise((resolve) => {
    channel.on('data', (chunk: Buffer) => {
      out.push(chunk)
      outBytes += chunk.length
    })
    channel.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk)
      errBytes += chunk.length
    })
    if (pauseMs > 0) {
      channel.pause()
      setTimeout(() => channel.resume(), pauseMs)
    }
    channel.on('exit', (status: number | null) => {
      code = status
      seen = {
        stdout: outBytes + channel.readableLength,
        stderr: errBytes + channel.stderr.readableLength,
      }
    })
    channel.on('close', () =>
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, atExit: seen }),
    )
  })
}

function exec(client: import('ssh2').Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel))),
  )
}

test('many small writes to stdout and stderr arrive whole, in order, apart, before the exit status', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const lines = 4000
  const seen = await run(
    await exec(
      client,
      `i=0; while [ $i -lt ${lines} ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done; exit 3`,
    ),
  )
  const expected = (stream: string) => Array.from({ length: lines }, (_, i) => `${stream} ${i}\n`).join('')
  assert.equal(seen.stdout.toString(), expected('out'))
  assert.equal(seen.stderr.toString(), expected('err'))
  assert.equal(seen.code, 3)
  assert.deepEqual(seen.atExit, { stdout: seen.stdout.length, stderr: seen.stderr.length })
  client.end()
})

test('the exit status waits for output the client window held back after the command ended', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  // 3 MiB: more than the client's 2 MiB window, less than what the gateway and the upstream window hold,
  // so the command ends while the gateway still has output the client has no window for.
  const bytes = 3 * 2 ** 20
  const channel = await exec(client, `head -c ${bytes} /dev/zero | tr '\\0' a; echo tail >&2; exit 5`)
  const seen = await run(channel, 1500)
  assert.equal(seen.stdout.length, bytes)
  assert.ok(seen.stdout.every((byte) => byte === 0x61))
  assert.equal(seen.stderr.toString(), 'tail\n')
  assert.equal(seen.code, 5)
  assert.deepEqual(seen.atExit, { stdout: bytes, stderr: 5 }, 'exit-status overtook the data')
  await sleep(0)
  client.end()
})
