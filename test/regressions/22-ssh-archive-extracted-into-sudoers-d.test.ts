// The sudoers and authorized_keys guardrails looked at the files a command names and, since regression 20,
// at the directory `mv`/`cp` move into; archive tools write into a directory named by an option and the
// gateway did not read it: `tar -C /etc/sudoers.d -xf x.tar` (and `-xf x.tar -C …`, `--directory=`),
// `unzip x.zip -d /etc/sudoers.d`, `cpio -i -D …` / `cpio -p DIR` put the archive's files there under a grant
// of `exec:root:tar *`. A directory moved into a protected directory's parent under its protected name
// (`mv /tmp/staged/sudoers.d /etc`) is the same edit. Now the extraction or destination directory is read
// per program (program-effects.ts) and these are refused as sudoers / authorized_keys edits. The archives
// and sources here do not exist, so this machine's /etc is never changed: before the fix the commands
// reached sshd and failed there; now the gateway refuses them (exit 126). Real Debian sshd, real gateway.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exec, startSshGateway } from '../support/start-ssh-gateway.ts'

const missing = `/tmp/tg-missing-${Math.random().toString(36).slice(2, 8)}`

test('extracting an archive into /etc/sudoers.d or a .ssh directory is a sudoers / authorized_keys edit', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant(
    'exec:root:tar *,exec:root:unzip *,exec:root:cpio *,exec:root:rsync *,exec:root:mv *',
  )
  const client = await g.connect(credential)
  try {
    for (const [command, rule] of [
      [`tar -C /etc/sudoers.d -xf ${missing}.tar`, 'no-sudoers-edit'],
      [`tar -xf ${missing}.tar -C /etc/sudoers.d`, 'no-sudoers-edit'],
      [`tar xfC ${missing}.tar /etc/sudoers.d`, 'no-sudoers-edit'],
      [`tar --directory=/root/.ssh -x -f ${missing}.tar`, 'no-authorized-keys-edit'],
      [`tar --dir /root/.ssh -xf ${missing}.tar`, 'no-authorized-keys-edit'],
      [`tar -xf ${missing}.tar -C /etc`, 'no-sudoers-edit'],
      [`unzip ${missing}.zip -d /etc/sudoers.d`, 'no-sudoers-edit'],
      [`unzip -o -d/root/.ssh ${missing}.zip`, 'no-authorized-keys-edit'],
      // With absolute names cpio writes anywhere (23-ssh-writes-named-elsewhere): -D alone decides here.
      [`cpio -i --no-absolute-filenames -D /etc/sudoers.d`, 'no-sudoers-edit'],
      [`cpio -idm --directory=/root/.ssh`, 'no-authorized-keys-edit'],
      [`cpio -pdm /etc/sudoers.d`, 'no-sudoers-edit'],
      [`rsync ${missing} /etc/sudoers.d/`, 'no-sudoers-edit'],
      [`mv ${missing}/sudoers.d /etc`, 'no-sudoers-edit'],
      [`mv ${missing}/.ssh /root/`, 'no-authorized-keys-edit'],
    ] as const) {
      const result = await exec(client, command, '')
      assert.equal(result.code, 126, `${command} must be refused by the gateway: ${result.stderr}`)
      assert.match(result.stderr, new RegExp(rule), command)
    }
    // Extracting elsewhere, and archiving a protected directory (a read), are still allowed: they reach sshd
    // and fail there (the archive does not exist).
    for (const command of [
      `tar -C /tmp -xf ${missing}.tar`,
      `tar -C /etc/sudoers.d -cf ${missing}.tar .`,
      `unzip ${missing}.zip -d /tmp/tg-elsewhere`,
      `mv ${missing}/sudoers.d /tmp`,
    ]) {
      const result = await exec(client, command, '')
      assert.notEqual(result.code, 126, `${command}: ${result.stderr}`)
    }
  } finally {
    client.end()
  }
})
