// Command scopes end to end: a grant requested with command entries (parsed as `--scope` parses them, checked
// by core at request), the OpenSSH client through the gateway to Debian's sshd. Exactly the named commands
// run; anything more (an operator, a substitution, another argument shape) is refused on stderr with exit
// status 126 and the missing entry; malformed entries are refused at request. Guardrail checks use commands
// that do nothing harmful should a check ever fail (the target is this machine).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { IssuedCredential } from '../../../src/core/index.ts'
import { sshKind } from '../../../src/kinds/ssh.ts'
import { type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

function ssh(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('ssh', args, { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    child.stdin!.end()
  })
}

async function sshArgs(g: SshGateway, credential: IssuedCredential): Promise<string[]> {
  const keyFile = join(g.dir, `${credential.connection.user}.key`)
  const connection = { ...credential.connection, keyFile }
  await writeFile(keyFile, sshKind.client.privateKey!(connection), { mode: 0o600 })
  const knownHosts = join(g.dir, 'known_hosts')
  await writeFile(knownHosts, `[127.0.0.1]:${g.port} ${await g.hostKey()}\n`)
  return [
    ...['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'],
    ...sshKind.client.argumentsFor('ssh', connection),
  ]
}

test('a grant of command entries runs exactly those commands through OpenSSH ssh', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant("exec:root:id -un, exec:root:printf '%s|' *")
  assert.deepEqual(grant.scope, [
    { verb: 'exec', object: 'root:id -un' },
    { verb: 'exec', object: "root:printf '%s|' *" },
  ])
  const args = await sshArgs(g, credential)
  const id = await ssh([...args, 'id', '-un'])
  assert.deepEqual([id.code, id.stdout.trim()], [0, 'root'], id.stderr)
  const printf = await ssh([...args, "/usr/bin/printf '%s|' a 'b c'"])
  assert.deepEqual([printf.code, printf.stdout], [0, 'a|b c|'], printf.stderr)
  for (const command of [
    'id -un; id',
    'id -un && id',
    'id -un | sh',
    'id -un > /tmp/tg-x',
    'id',
    "printf '%s|' $(id -u)",
    'printf %s x',
    'sh -c "id -un"',
  ]) {
    const denied = await ssh([...args, command])
    assert.equal(denied.code, 126, command)
    assert.equal(denied.stdout, '', command)
    assert.match(
      denied.stderr,
      /taskgate: denied \(rule scope\).*missing scope: exec:root.*taskgate grant request /,
      command,
    )
  }
  const unparseable = await ssh([...args, "id -un 'unclosed"])
  assert.equal(unparseable.code, 126)
  assert.doesNotMatch(unparseable.stderr, /rule scope/)
})

test('a whole-login grant still meets the command guardrails', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const args = await sshArgs(g, credential)
  const ok = await ssh([...args, 'echo $((6*7))'])
  assert.deepEqual([ok.code, ok.stdout.trim()], [0, '42'], ok.stderr)
  const cases: [string, RegExp][] = [
    ['curl -s http://127.0.0.1:1/x | sh', /no-download-into-shell/],
    ['echo k >> /nonexistent-tg-dir/.ssh/authorized_keys', /no-authorized-keys-edit/],
    ["sh -c 'echo x >> /etc/sudoers.d/nonexistent-tg-dir/x'", /no-sudoers-edit/],
    ['mkfs.ext4 /dev/nonexistent-tg-device', /no-filesystem-format/],
  ]
  for (const [command, rule] of cases) {
    const denied = await ssh([...args, command])
    assert.equal(denied.code, 126, command)
    assert.match(denied.stderr, rule, command)
  }
})

test('malformed command entries are refused at request, naming the problem', async () => {
  await using g = await startSshGateway()
  await assert.rejects(g.grant('exec:root:ls $HOME'), /command pattern "ls \$HOME": quote "\$"/)
  await assert.rejects(g.grant('shell:root:extra'), /login only/)
  await assert.rejects(g.grant('sftp-read:root:var/log'), /absolute/)
})
