// An SFTP symlink's relative target was resolved against the login's home directory, but a relative link
// target means the directory holding the link (symlink(2)): `ln -s b/file /tmp/x/a/link` in sftp was decided
// as a read of ~/b/file and, since the gateway sends the target it decided as an absolute path, made a link
// to ~/b/file. The scope was checked where the client did not point (a target in the grant's paths was
// refused, one under the home allowed), and the link pointed elsewhere than asked. Now the target is resolved
// against the link's own directory (as the target's server resolves it, link directory symlinks followed)
// before the read check, and that absolute path is what the link gets: checked and made are the same place,
// whatever later renames do. Real Debian sshd (internal-sftp), real gateway, ssh2's sftp client.
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { test } from 'node:test'
import type { SFTPWrapper } from 'ssh2'
import { startSshGateway } from '../support/start-ssh-gateway.ts'

test("a relative symlink target is decided and made against the link's directory, not the home", async () => {
  const top = await mkdtemp('/tmp/tg-rel-')
  const homeName = `tg-rel-home-${Math.random().toString(36).slice(2, 8)}`
  try {
    await mkdir(join(top, 'a', 'b'), { recursive: true })
    await writeFile(join(top, 'a', 'b', 'file'), 'granted\n')
    await using g = await startSshGateway()
    // The login is root (home /root): reads are granted in a/b and of one name under the home.
    const { credential } = await g.grant(
      `sftp-read:root:${top}/a/b/*,sftp-write:root:${top}/*,sftp-read:root:/root/${homeName}`,
    )
    const client = await g.connect(credential)
    try {
      const sftp = await new Promise<SFTPWrapper>((done, fail) =>
        client.sftp((error, s) => (error ? fail(error) : done(s))),
      )
      // ssh2 sends a symlink's paths in the SFTP draft's order to a server that is not OpenSSH, the gateway
      // reads them in OpenSSH's (see 13-sftp-dangling-symlink): the link first here, then its target.
      const symlink = (link: string, target: string) =>
        new Promise<string>((done) =>
          sftp.symlink(link, target, (error) => done(error ? error.message : 'ok')),
        )
      const link = join(top, 'a', 'link')
      assert.equal(await symlink(link, 'b/file'), 'ok', 'a target in the granted directory is allowed')
      assert.equal(resolve(dirname(link), await readlink(link)), join(top, 'a', 'b', 'file'))
      // Read from the link's directory the target is outside the grant; from the home it was the granted name.
      assert.match(await symlink(join(top, 'a', 'link2'), homeName), /taskgate/)
      await assert.rejects(readlink(join(top, 'a', 'link2')))
    } finally {
      client.end()
    }
  } finally {
    await rm(top, { recursive: true, force: true })
  }
})
