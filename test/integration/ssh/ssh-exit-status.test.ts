// Exit statuses and signals through the gateway against a real sshd, with the ssh2 client: the status of
// a command that ends at once arrives every time (the target's exit-status can come in the same read as
// the exec's success, before the relay has done anything else), a command killed by a signal shows
// exit-signal, and a signal the client sends reaches the command (as a non-root login: sshd refuses
// signal requests after a root login, which runs without privilege separation).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Client, ClientChannel } from 'ssh2'
import { allWithin, exec, startSshGateway } from '../../support/start-ssh-gateway.ts'

test('the exit status of a command that ends at once always arrives (many sessions at once, repeated)', async () => {
  await using g = await startSshGateway({ sshdConfig: 'MaxStartups 100\nMaxSessions 100' })
  const { credential } = await g.grant('exec:root:*')
  for (let round = 0; round < 3; round++) {
    // Fresh connections: the first exec of a session is the one that also creates its recording directory.
    // What never ends fails within the bound, naming what is still waiting and sshd's log, rather than as
    // the runner's bare timeout.
    const sshdLog = () => `sshd: ${g.sshd.log().slice(-1500)}`
    const clients = await allWithin(
      Array.from({ length: 12 }, () => g.connect(credential)),
      60_000,
      (waiting) => `round ${round}: ${waiting.length} of 12 logins never finished; ${sshdLog()}`,
    )
    const commands = clients.flatMap(() => ['exit 7', 'echo out; exit 3'])
    const results = await allWithin(
      commands.map((command, i) => exec(clients[i >> 1]!, command)),
      90_000,
      (waiting) =>
        `round ${round}: ${waiting.length} of ${commands.length} commands never ended (${waiting
          .map((i) => commands[i])
          .join(', ')}); ${sshdLog()}`,
    )
    for (const client of clients) client.end()
    assert.deepEqual(
      results.map((r) => r.code),
      Array.from({ length: 12 }, () => [7, 3]).flat(),
    )
  }
})

test('a command killed by a signal shows exit-signal to the client', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  const result = await exec(client, "sh -c 'kill -TERM $$'")
  assert.equal(result.code, null)
  assert.equal(result.signal, 'SIGTERM')
})

/** Runs `command`, sends `signal` once it printed its first line; resolves with how it ended. */
function signalled(client: Client, command: string, signal: string) {
  return new Promise<{ code: number | null; signal?: string; stdout: string }>((resolve, reject) =>
    client.exec(command, (error, channel: ClientChannel) => {
      if (error) return reject(error)
      let stdout = ''
      let sent = false
      let exit: { code: number | null; signal?: string } = { code: null }
      channel.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (!sent && stdout.includes('\n')) {
          sent = true
          channel.signal(signal)
        }
      })
      channel.stderr.resume()
      channel.on('exit', (code: number | null, name?: string) => {
        exit = { code, ...(name ? { signal: name } : {}) }
      })
      channel.on('close', () => resolve({ ...exit, stdout }))
    }),
  )
}

test('a signal the client sends reaches the command', async () => {
  // sshd refuses signal requests for root (no privilege separation after a root login): a non-root login.
  // UsePAM: the postgres account has a locked password, which sshd without PAM refuses even for a key.
  await using g = await startSshGateway({ logins: ['postgres'], sshdConfig: 'UsePAM yes' })
  const { credential } = await g.grant('exec:postgres:*')
  const client = await g.connect(credential)
  // The shell traps the signal and says so: the status proves it got there, not a closed channel.
  const result = await signalled(
    client,
    'sh -c \'trap "echo got-usr1; exit 42" USR1; echo ready; while :; do sleep 0.1; done\'',
    'USR1',
  )
  assert.match(result.stdout, /got-usr1/, JSON.stringify(result) + g.sshd.log().slice(-600))
  assert.equal(result.code, 42)
})
