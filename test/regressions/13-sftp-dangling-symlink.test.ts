// A write-scoped sftp grant must not create files outside its paths through a dangling symlink (a link to
// nothing, then open(O_CREAT) on the link, which the target follows). Held when probed: OpenSSH's realpath
// resolves a dangling link to its target, so the write is decided on the target and denied; kept so a change
// to how the gateway resolves paths (its fallback when realpath fails) cannot open it. Grant: read anywhere,
// write only in one directory. Real Debian sshd (internal-sftp), real gateway, ssh2's sftp client.
import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { SFTPWrapper } from 'ssh2'
import { startSshGateway } from '../support/start-ssh-gateway.ts'

test('an open for writing through a dangling symlink does not create the link target', async () => {
  const upload = await mkdtemp(join(tmpdir(), 'tg-upload-'))
  const outside = await mkdtemp(join(tmpdir(), 'tg-outside-'))
  const victim = join(outside, 'created-through-link')
  try {
    await using g = await startSshGateway()
    const { credential } = await g.grant(`sftp-read:root:*,sftp-write:root:${upload}/*`)
    const client = await g.connect(credential)
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((error, s) => (error ? reject(error) : resolve(s))),
    )
    const link = join(upload, 'l')
    // On the wire as OpenSSH's sftp sends it (target first, its well-known swap); ssh2 sends the other way
    // round to a server that is not OpenSSH, so its arguments are swapped here.
    await new Promise<void>((resolve, reject) =>
      sftp.symlink(link, victim, (error) => (error ? reject(error) : resolve())),
    )
    const written = await new Promise<Error | undefined>((resolve) =>
      sftp.writeFile(link, 'written outside the grant\n', (error) => resolve(error ?? undefined)),
    )
    client.end()
    const created = await stat(victim).then(
      () => true,
      () => false,
    )
    assert.equal(created, false, `the link target was created (write error: ${written?.message})`)
  } finally {
    await rm(upload, { recursive: true, force: true })
    await rm(outside, { recursive: true, force: true })
  }
})
