// Beside the archive tools (22-ssh-archive-extracted-into-sudoers-d), programs that write the file an option
// names were not read by the sudoers and authorized_keys guardrails: `curl -o /etc/sudoers.d/x URL`,
// `wget -O …`, `curl --output-dir`, `wget -P`, `tar -cf /etc/sudoers.d/x …` (the archive written), `patch -d`
// and `dpkg-deb -x p.deb DIR` (files named inside the patch or package). Now each such option is a row of the
// program's table (program-effects.ts WRITE_OPTIONS) and these are refused as sudoers / authorized_keys edits.
// Paths under a directory that does not exist, a URL nobody answers and archives that do not exist: this
// machine's /etc is never changed, before the fix the commands reached sshd and failed there; now the gateway
// refuses them (exit 126). Real Debian sshd, real gateway.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exec, startSshGateway } from '../support/start-ssh-gateway.ts'

const suffix = Math.random().toString(36).slice(2, 8)
const missingDir = `/etc/sudoers.d/tg-missing-${suffix}`
const nobody = 'http://127.0.0.1:9/x'

test('a download or archive written into /etc/sudoers.d or a .ssh directory is a sudoers / authorized_keys edit', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant(
    'exec:root:curl *,exec:root:wget *,exec:root:tar *,exec:root:patch *,exec:root:dpkg-deb *',
  )
  const client = await g.connect(credential)
  try {
    for (const [command, rule] of [
      [`curl -s -o ${missingDir}/x ${nobody}`, 'no-sudoers-edit'],
      [`curl -sSo ${missingDir}/x ${nobody}`, 'no-sudoers-edit'],
      [`curl --output-dir ${missingDir} -O ${nobody}`, 'no-sudoers-edit'],
      [`curl -o /tmp/tg-missing-${suffix}/.ssh/authorized_keys ${nobody}`, 'no-authorized-keys-edit'],
      [`wget -q -O ${missingDir}/x ${nobody}`, 'no-sudoers-edit'],
      [`wget --output-document=${missingDir}/x ${nobody}`, 'no-sudoers-edit'],
      [`wget -P /tmp/tg-missing-${suffix}/.ssh ${nobody}`, 'no-authorized-keys-edit'],
      [`tar -cf ${missingDir}/x.tar /tmp/tg-missing-${suffix}`, 'no-sudoers-edit'],
      [`patch -d /etc/sudoers.d -p1`, 'no-sudoers-edit'],
      [`dpkg-deb -x /tmp/tg-missing-${suffix}.deb /etc/sudoers.d`, 'no-sudoers-edit'],
    ] as const) {
      const result = await exec(client, command, '')
      assert.equal(result.code, 126, `${command} must be refused by the gateway: ${result.stderr}`)
      assert.match(result.stderr, new RegExp(rule), command)
    }
    // Elsewhere they still run (and fail on the target: nobody answers, nothing to read).
    for (const command of [
      `curl -s -o /tmp/tg-missing-${suffix}/x ${nobody}`,
      `wget -q -O /tmp/tg-missing-${suffix}/x ${nobody}`,
      `tar -cf /tmp/tg-missing-${suffix}/x.tar /etc/sudoers.d`,
    ]) {
      const result = await exec(client, command, '')
      assert.notEqual(result.code, 126, `${command}: ${result.stderr}`)
    }
  } finally {
    client.end()
  }
})
