// The OpenSSH client (Debian's ssh) through the gateway, unchanged: with the login key the CLI writes and the
// arguments `taskgate connect ID -- ssh …` gives it (the gateway's host key pinned in known_hosts), with the
// password through SSH_ASKPASS, and with a real PTY (script) for an interactive shell.
import assert from 'node:assert/strict'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { run, sshArgs } from '../../support/openssh-client.ts'
import { startSshGateway } from '../../support/start-ssh-gateway.ts'

test('ssh with the CLI-written key runs a command and passes the exit status; the gateway host key is pinned', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root:*')
  const args = await sshArgs(g, credential)
  const ok = await run('ssh', [...args, 'id', '-un'])
  assert.equal(ok.stdout.trim(), 'root', ok.stderr)
  assert.equal(ok.code, 0)
  assert.equal((await run('ssh', [...args, 'exit', '7'])).code, 7)
})

test('ssh gets a denial as one stderr line and exit status 126', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('shell:root')
  const result = await run('ssh', [...(await sshArgs(g, credential)), 'touch', '/tmp/nope'])
  assert.equal(result.code, 126)
  assert.match(
    result.stderr,
    /taskgate: denied \(rule scope\).*missing scope: exec:root.*taskgate grant request /,
  )
})

test('ssh logs in with the grant password (keyboard-interactive through SSH_ASKPASS), naming the login', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root:*')
  const askpass = join(g.dir, 'askpass.sh')
  await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' '${credential.connection.password}'\n`)
  await chmod(askpass, 0o700)
  const knownHosts = join(g.dir, 'known_hosts')
  await writeFile(knownHosts, `[127.0.0.1]:${g.port} ${await g.hostKey()}\n`)
  const result = await run(
    'ssh',
    [
      '-p',
      String(g.port),
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'NumberOfPasswordPrompts=1',
      `root+${credential.connection.user}@127.0.0.1`,
      'id',
      '-un',
    ],
    { env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' } },
  )
  assert.equal(result.stdout.trim(), 'root', result.stderr)
})

test('an interactive shell with a real PTY (script + ssh -tt)', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('shell:root')
  const args = await sshArgs(g, credential)
  const command = ['ssh', '-tt', ...args].map((a) => `'${a}'`).join(' ')
  const result = await run('script', ['-q', '-e', '-c', command, '/dev/null'], {
    input: 'echo pty-$((6*7)); tty\nexit 0\n',
  })
  assert.match(result.stdout, /pty-42/)
  assert.match(result.stdout, /\/dev\/pts\//)
})
