// The OpenSSH client (Debian's ssh) through the gateway, unchanged: with the login key the CLI writes and the
// arguments `taskgate connect ID -- ssh …` gives it (the gateway's host key pinned in known_hosts), with the
// password through SSH_ASKPASS, and with a real PTY (script) for an interactive shell.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { IssuedCredential } from '../../../src/core/index.ts'
import { sshKind } from '../../../src/kinds/ssh.ts'
import { type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env: options.env ?? process.env, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    child.stdin!.end(options.input ?? '')
  })
}

/** What `taskgate connect ID -- ssh` runs: the key file written 0600, the kind's arguments. */
async function sshArgs(g: SshGateway, credential: IssuedCredential): Promise<string[]> {
  const keyFile = join(g.dir, `${credential.connection.user}.key`)
  const connection = { ...credential.connection, keyFile }
  await writeFile(keyFile, sshKind.client.privateKey!(connection), { mode: 0o600 })
  const knownHosts = join(g.dir, 'known_hosts')
  await writeFile(knownHosts, `[127.0.0.1]:${g.port} ${await g.hostKey()}\n`)
  return [
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    ...sshKind.client.argumentsFor('ssh', connection),
  ]
}

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
