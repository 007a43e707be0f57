// Interactive shells, forwarding refusals, live termination and the target's host key, through a real
// gateway in front of a real Debian sshd, with the ssh2 client.
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Client, ClientChannel } from 'ssh2'
import { exec, type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

interface OpenedShell {
  channel: ClientChannel
  /** stdout and stderr as received. */
  output(): string
  stderr(): string
  /** The exit status, once the channel closed. */
  closed: Promise<number | undefined>
}

/** Listeners attach in ssh2's callback: a refusal's packets can all arrive in the same tick. */
function openShell(client: Client, window: { cols: number; rows: number }): Promise<OpenedShell> {
  return new Promise((resolve, reject) =>
    client.shell({ term: 'xterm', cols: window.cols, rows: window.rows }, (error, channel) => {
      if (error) return reject(error)
      let output = ''
      let stderr = ''
      let code: number | undefined
      channel.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      channel.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        output += chunk.toString()
      })
      channel.on('exit', (c: number) => {
        code = c
      })
      const closed = new Promise<number | undefined>((done) => channel.once('close', () => done(code)))
      resolve({ channel, output: () => output, stderr: () => stderr, closed })
    }),
  )
}

async function until(read: () => string, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 200 && !pattern.test(read()); i++) await sleep(25)
  assert.match(read(), pattern)
}

async function sessionActions(g: SshGateway, grantId: string, until: (texts: string[]) => boolean) {
  for (let i = 0; i < 100; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId })
    if (session) {
      const { actions } = await g.gateway.core.getSession(g.admin, session.id)
      if (until(actions.map((a) => a.text))) return { sessionId: session.id, actions }
    }
    await sleep(50)
  }
  assert.fail('the actions were not recorded')
}

test('a shell is relayed with its terminal size, resizes and entered lines recorded (asciicast v2)', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  const shell = await openShell(client, { cols: 100, rows: 30 })
  shell.channel.write('echo hi-from-$((40+2))\r')
  await until(shell.output, /hi-from-42/)
  shell.channel.setWindow(40, 120, 0, 0)
  shell.channel.write('stty size\r')
  await until(shell.output, /40 120/)
  shell.channel.end('exit\r')
  await shell.closed
  client.end()
  const { sessionId, actions } = await sessionActions(g, grant.id, (texts) => texts.includes('stty size'))
  assert.ok(actions.some((a) => a.kind === 'shell-input' && a.text === 'echo hi-from-$((40+2))'))
  const dir = join(g.dir, 'data', 'recordings', 'ssh', sessionId)
  const [file] = await readdir(dir)
  const events = (await readFile(join(dir, file!), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.equal(events[0].width, 100)
  assert.equal(events[0].height, 30)
  assert.ok(
    events.some((e) => e[1] === 'r' && e[2] === '120x40'),
    JSON.stringify(events),
  )
  assert.ok(events.some((e) => e[1] === 'o' && e[2].includes('hi-from-42')))
})

test('a shell without shell scope is refused with status 126', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  const shell = await openShell(client, { cols: 80, rows: 24 })
  assert.equal(await shell.closed, 126)
  assert.match(shell.stderr(), /denied \(rule scope\).*missing scope: shell:root/)
})

test('ending the grant closes a live shell and the upstream connection (well under the 1 s asked; 5 s on a loaded machine)', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  const shell = await openShell(client, { cols: 80, rows: 24 })
  shell.channel.write('echo ready-$((1+1))\r')
  await until(shell.output, /ready-2/)
  const closed = new Promise((resolve) => (client as unknown as NodeJS.EventEmitter).once('close', resolve))
  const endedAt = performance.now()
  await g.gateway.core.endGrant(g.agent, grant.id)
  await closed
  const ms = performance.now() - endedAt
  assert.ok(ms < 5000, `closed after ${ms} ms`)
  assert.match(shell.output(), /taskgate: session ended/)
  // The target's side goes too: sshd logs the gateway's connection closing.
  await until(g.sshd.log, /Close session|Disconnected from|Connection closed by/)
})

test('port forwarding, agent forwarding and X11 are refused unless granted', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  const forwarded = await new Promise<Error | undefined>((resolve) =>
    client.forwardOut('127.0.0.1', 1234, '127.0.0.1', g.sshd.port, (error) => resolve(error ?? undefined)),
  )
  assert.ok(forwarded, 'the forward was refused')
  const withAgent = await new Promise<ClientChannel>((resolve, reject) =>
    client.exec('id -un', { agentForward: true } as never, (error, channel) =>
      error ? reject(error) : resolve(channel),
    ),
  )
  withAgent.resume()
  await new Promise((resolve) => withAgent.once('close', resolve))
  const { actions } = await sessionActions(g, grant.id, (texts) =>
    texts.some((t) => t.startsWith('port-forward')),
  )
  assert.ok(actions.some((a) => a.text.startsWith('port-forward') && a.outcome === 'deny'))
})

test('a target presenting another host key is refused', async () => {
  await using g = await startSshGateway({
    targetHostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
  })
  const { credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  const result = await exec(client, 'id -un')
  assert.equal(result.stdout, '')
  assert.equal(result.code, 255)
  assert.match(result.stderr, /host key/)
  assert.doesNotMatch(g.sshd.log(), /Accepted publickey/)
})

test('a shell line a guardrail denies is never sent and ends the session (the tripwire)', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  const shell = await openShell(client, { cols: 80, rows: 24 })
  shell.channel.write('echo before-$((2+2))\r')
  await until(shell.output, /before-4/)
  shell.channel.write('mkfs.ext4 /dev/sdz9\r')
  await shell.closed
  assert.match(shell.output(), /denied \(rule guardrail:no-filesystem-format\).*the shell session is ended/)
  const { actions } = await sessionActions(g, grant.id, (texts) => texts.includes('mkfs.ext4 /dev/sdz9'))
  assert.ok(actions.some((a) => a.text === 'mkfs.ext4 /dev/sdz9' && a.outcome === 'deny'))
})
