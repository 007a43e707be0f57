// Outside review, session 7: the sudoers and authorized_keys guardrails deny "whatever the grant says", but
// they looked at files only. `mv` onto a directory moves the source into it (`mv /tmp/x /etc/sudoers.d`, or
// `mv -t /etc/sudoers.d /tmp/x`, is /etc/sudoers.d/x), and a prepared directory renamed or linked into place
// over SFTP (`rename /tmp/staged /etc/sudoers.d`, `symlink ~/.ssh -> /tmp/keys`) brings every file in it: a
// grant of `exec:root:mv *` or SFTP writes under /etc installed sudo rules past the guardrail. The sources
// here do not exist (this machine's /etc is never changed, before or after the fix): before, the commands
// reached sshd and failed there; now the gateway refuses them. Real Debian sshd, real gateway, ssh2 client.
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { test } from 'node:test'
import type { SFTPWrapper } from 'ssh2'
import { exec, startSshGateway } from '../support/start-ssh-gateway.ts'

const missing = `/tmp/tg-missing-${Math.random().toString(36).slice(2, 8)}`

test('mv into /etc/sudoers.d or onto a .ssh directory is a sudoers / authorized_keys edit', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root:mv *')
  const client = await g.connect(credential)
  try {
    for (const [command, rule] of [
      [`mv ${missing} /etc/sudoers.d`, 'no-sudoers-edit'],
      [`mv -t /etc/sudoers.d ${missing}`, 'no-sudoers-edit'],
      [`mv --target-directory=/etc/sudoers.d ${missing}`, 'no-sudoers-edit'],
      [`mv ${missing} /root/.ssh`, 'no-authorized-keys-edit'],
    ] as const) {
      const result = await exec(client, command)
      assert.equal(result.code, 126, `${command} must be refused by the gateway: ${result.stderr}`)
      assert.match(result.stderr, new RegExp(rule), command)
    }
    // An ordinary move is still allowed (it fails on the target: the source does not exist).
    const plain = await exec(client, `mv ${missing} /tmp/tg-elsewhere`)
    assert.notEqual(plain.code, 126, plain.stderr)
  } finally {
    client.end()
  }
})

test('an SFTP rename or symlink of a directory into /etc/sudoers.d or a .ssh directory is refused', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('sftp-read:root:*,sftp-write:root:*')
  await mkdir('/root/.ssh', { recursive: true, mode: 0o700 })
  const client = await g.connect(credential)
  try {
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((error, s) => (error ? reject(error) : resolve(s))),
    )
    const outcome = (run: (done: (error: Error | null | undefined) => void) => void) =>
      new Promise<string>((resolve) => run((error) => resolve(error ? error.message : 'ok')))
    const refusals = [
      await outcome((done) => sftp.rename(missing, '/etc/sudoers.d', done)),
      await outcome((done) => sftp.rename(missing, '/root/.ssh', done)),
      // A link named like the directory (ssh2 swaps symlink's arguments for a server that is not OpenSSH,
      // see 13-sftp-dangling-symlink: this is the link /root/.ssh to /tmp). /root/.ssh exists here, so the
      // target would refuse it anyway: nothing on this machine changes whether the gateway refuses or not.
      await outcome((done) => sftp.symlink('/root/.ssh', '/tmp', done)),
    ]
    for (const message of refusals) assert.match(message, /taskgate/, `refused by the gateway: ${message}`)
    assert.match(await outcome((done) => sftp.rename(missing, '/tmp/tg-elsewhere', done)), /No such file/)
  } finally {
    client.end()
  }
})
