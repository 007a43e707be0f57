// The shell tripwire checks every line a client enters (a parse and a decision each) before its Enter goes on.
// A paste of 150 000 short lines was checked in one go, and every line waiting for its echo held a timer and
// a copy of the output: one shell client held every session of the gateway for seconds (8 s for 100 000 lines
// in a probe) and hundreds of MB. Lines are now checked in turns (the client's input waits meanwhile) and at
// most 64 wait for their echo. The tripwire still stops a denied line deep inside a paste. Real Debian sshd,
// real gateway, ssh2 client; the lag bound is generous (a loaded 2-core machine adds its own).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ClientChannel } from 'ssh2'
import { probeEventLoopLag } from '../support/event-loop-lag.ts'
import { startSshGateway } from '../support/start-ssh-gateway.ts'

/** Writes `lines` short lines in chunks of 1000, honouring backpressure, then `tail`. */
function paste(ch: ClientChannel, lines: number, tail: string): void {
  const chunk = Buffer.from(Array.from({ length: 1000 }, (_, k) => `: ${k}\n`).join(''))
  let i = 0
  const push = () => {
    while (i < lines / 1000) {
      i++
      if (!ch.write(chunk)) return void ch.once('drain', push)
    }
    ch.write(tail)
  }
  push()
}

/** Opens a shell, silences its echo and starts `cat > /dev/null`, then runs `body` with the channel. */
function inShell(
  client: import('ssh2').Client,
  body: (ch: ClientChannel, output: () => string, closed: Promise<void>) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) =>
    client.shell({ term: 'xterm', rows: 24, cols: 80 }, (error, ch) => {
      if (error) return reject(error)
      let out = ''
      let started = false
      const closed = new Promise<void>((r) => ch.once('close', () => r()))
      const onData = (c: Buffer) => {
        out = (out + c.toString()).slice(-4096)
        if (!started && out.includes('READY-1')) {
          started = true
          body(ch, () => out, closed).then(resolve, reject)
        }
      }
      ch.on('data', onData)
      ch.stderr.on('data', onData)
      // `$((2-1))`: the marker appears only in the output, not in the echoed command.
      ch.write('stty -echo; echo READY-$((2-1)); cat > /dev/null\n')
    }),
  )
}

test('a long paste into a shell is checked without holding the gateway', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  await inShell(client, async (ch, output) => {
    const lag = probeEventLoopLag()
    paste(ch, 150_000, '\x04echo DONE-$((1+1))\n')
    while (!output().includes('DONE-2')) await new Promise((r) => setTimeout(r, 100))
    const lagMs = lag.stop()
    assert.ok(lagMs < 4000, `event loop blocked ${lagMs.toFixed(0)} ms`)
    ch.end('exit\n')
  })
  client.end()
})

test('a denied line deep inside a paste still ends the session before it is sent', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  await inShell(client, async (ch, output, closed) => {
    paste(ch, 5_000, 'rm -rf /\necho AFTER-$((1+2))\n')
    await closed
    assert.match(output(), /no-recursive-root-delete/)
    assert.doesNotMatch(output(), /AFTER-3/)
  })
  client.end()
})
