// The sudoers and authorized_keys guardrails read paths as written, so a relative path after `cd` was read from
// nowhere: `cd /etc/sudoers.d && cp x .`, `cd ~/.ssh && cp /tmp/authorized_keys .`; an archive extracted in
// the working directory (`tar -xf x.tar` in the login's home, whose member .ssh/authorized_keys lands there)
// and programs naming their output in options not read before (`dd of=`, `openssl -out`, `git -C DIR`,
// `git clone URL DIR`) reached sshd under a whole-login grant. Now the working directory is followed through
// the line (unknown after `cd "$D"`, a loop's cd, eval: any) and those options are read. The sources here do
// not exist, so nothing is written on this machine even where a command reaches sshd: before the fix these
// reached sshd and failed there; now the gateway refuses them (exit 126). Real Debian sshd, real gateway.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exec, startSshGateway } from '../support/start-ssh-gateway.ts'

const missing = `/tmp/tg-missing-${Math.random().toString(36).slice(2, 8)}`

test('a write through the working directory or an output option is a sudoers / authorized_keys edit', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  try {
    for (const [command, rule] of [
      [`cd /etc/sudoers.d && cp ${missing} .`, 'no-sudoers-edit'],
      [`cd /etc; cp ${missing} sudoers.d/x`, 'no-sudoers-edit'],
      [`cd /etc/sudoers.d && tar -xf ${missing}.tar`, 'no-sudoers-edit'],
      [`cd "$TG_UNSET" && cp ${missing} x`, 'no-sudoers-edit'],
      [`cd ~/.ssh && cp ${missing}/authorized_keys .`, 'no-authorized-keys-edit'],
      [`tar -xf ${missing}.tar`, 'no-authorized-keys-edit'],
      [`tar -xf ${missing}.tar -C /root`, 'no-authorized-keys-edit'],
      [`unzip ${missing}.zip`, 'no-authorized-keys-edit'],
      [`dd if=${missing} of=/root/.ssh/authorized_keys`, 'no-authorized-keys-edit'],
      [`openssl enc -d -aes256 -pass pass:x -in ${missing} -out /etc/sudoers.d/x`, 'no-sudoers-edit'],
      [`git -C /etc/sudoers.d checkout .`, 'no-sudoers-edit'],
      [`git clone ${missing}.git /root/.ssh`, 'no-authorized-keys-edit'],
      [`WGETRC=${missing} wget -q http://127.0.0.1:9/x`, 'no-sudoers-edit|no-authorized-keys-edit'],
    ] as const) {
      const result = await exec(client, command, '')
      assert.equal(result.code, 126, `${command} must be refused by the gateway: ${result.stderr}`)
      assert.match(result.stderr, new RegExp(rule), command)
    }
    // Elsewhere, and reading or listing, still run (and fail on the target: nothing there exists).
    for (const command of [
      `cd /tmp && tar -xf ${missing}.tar`,
      `tar -xf ${missing}.tar -C /tmp`,
      `tar -tf ${missing}.tar`,
      `cd /tmp && cp ${missing} .`,
      `git -C /tmp status`,
      `cd /etc && cat ${missing}`,
    ]) {
      const result = await exec(client, command, '')
      assert.notEqual(result.code, 126, `${command}: ${result.stderr}`)
    }
  } finally {
    client.end()
  }
})
