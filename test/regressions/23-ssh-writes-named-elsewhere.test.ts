// After 22-ssh-download-into-sudoers-d, programs still wrote into /etc/sudoers.d or a .ssh where their command
// line does not name the file: `tar -xPf x.tar` (members named /etc/sudoers.d/x are extracted there with -P),
// `cpio -idm < x.cpio` (cpio keeps absolute names unless --no-absolute-filenames), `curl -K cfg URL` (the
// config says `output = /etc/sudoers.d/x`) and `wget -e output_document=/etc/sudoers.d/x URL`; and curl's
// other files (-D headers, -c cookies, --trace, --stderr …), wget --save-cookies and sort -o were not read.
// Each is now a sudoers / authorized_keys edit, refused by the gateway (exit 126) under grants for those
// programs. Archives and configs that do not exist, a URL nobody answers: this machine's /etc is never
// changed; before the fix the commands reached sshd. Real Debian sshd, real gateway.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exec, startSshGateway } from '../support/start-ssh-gateway.ts'

const suffix = Math.random().toString(36).slice(2, 8)
const missing = `/tmp/tg-missing-${suffix}`
const nobody = 'http://127.0.0.1:9/x'

test('a write whose file the command line does not name, or names in an option not read before, is refused', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant(
    'exec:root:curl *,exec:root:wget *,exec:root:tar *,exec:root:cpio *,exec:root:sort *',
  )
  const client = await g.connect(credential)
  try {
    for (const command of [
      `tar -xPf ${missing}.tar`,
      `tar --absolute-names -xf ${missing}.tar`,
      `tar xPf ${missing}.tar`,
      `cpio -idm -I ${missing}.cpio`,
      `cpio --extract -F ${missing}.cpio`,
      `curl -K ${missing}.cfg ${nobody}`,
      `curl --config=${missing}.cfg ${nobody}`,
      `wget -e output_document=/etc/sudoers.d/x ${nobody}`,
      `wget --execute=dir_prefix=/etc/sudoers.d ${nobody}`,
      `curl -s -D /etc/sudoers.d/tg-${suffix} ${nobody}`,
      `curl -c /etc/sudoers.d/tg-${suffix} ${nobody}`,
      `curl --trace-ascii /etc/sudoers.d/tg-${suffix} ${nobody}`,
      `wget --save-cookies=/etc/sudoers.d/tg-${suffix} ${nobody}`,
      `sort -o /etc/sudoers.d/tg-${suffix} ${missing}`,
    ]) {
      const result = await exec(client, command, '')
      assert.equal(result.code, 126, `${command} must be refused by the gateway: ${result.stderr}`)
      assert.match(result.stderr, /no-sudoers-edit|no-authorized-keys-edit/, command)
    }
    // Without absolute names, or creating an archive, they still run (and fail on the target). Extracting
    // into the home is an edit of its .ssh since regression 24: cpio extracts into /tmp here.
    for (const command of [
      `tar -xf ${missing}.tar -C /tmp`,
      `tar -cPf ${missing}.tar /etc/hostname`,
      `cpio -idm --no-absolute-filenames -D /tmp -I ${missing}.cpio`,
      `curl -s -o ${missing}/x ${nobody}`,
      `sort -o ${missing}.sorted ${missing}`,
    ]) {
      const result = await exec(client, command, '')
      assert.notEqual(result.code, 126, `${command}: ${result.stderr}`)
    }
  } finally {
    client.end()
  }
})
