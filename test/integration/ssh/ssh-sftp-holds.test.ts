// A rule that holds SFTP writes for a person, through the gateway against a real sshd with the ssh2 SFTP
// client: the write request waits (nothing reaches the target), runs once approved; a denied one answers
// PERMISSION_DENIED and the file is never written. REALPATH is decided like a read.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { access, mkdir, readFile, rm } from 'node:fs/promises'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SFTPWrapper } from 'ssh2'
import { type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

const HOLDS = `
guardrails:
  - id: hold-held-files
    description: writing a held file waits for a person
    action: approve
    match: { needs: ["sftp-write:root:/tmp/tg-held-*"] }
    approvers: [$APPROVERS]
`

async function pendingApproval(g: SshGateway): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const [held] = await g.gateway.core.listApprovals(g.approver, { status: ['pending'] })
    if (held) return held.id
    await sleep(50)
  }
  throw new Error('no pending approval')
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

test('an sftp write a rule holds waits, runs once approved, and a denied one is refused', async () => {
  await using g = await startSshGateway({ extraConfig: HOLDS })
  const { credential } = await g.grant('sftp-write:root:/tmp/*')
  const client = await g.connect(credential)
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
    client.sftp((error, s) => (error ? reject(error) : resolve(s))),
  )
  const write = (path: string) =>
    new Promise<Error | undefined>((resolve) =>
      sftp.writeFile(path, 'held content\n', (error) => resolve(error ?? undefined)),
    )
  const approved = `/tmp/tg-held-${randomBytes(4).toString('hex')}`
  const denied = `/tmp/tg-held-${randomBytes(4).toString('hex')}`
  try {
    const writing = write(approved)
    const first = await pendingApproval(g)
    assert.equal(await exists(approved), false, 'nothing reached the target while held')
    await g.gateway.core.decideApproval(g.approver, first, 'approve', 'fine')
    assert.equal(await writing, undefined)
    assert.equal(await readFile(approved, 'utf8'), 'held content\n')

    const refusing = write(denied)
    await g.gateway.core.decideApproval(g.approver, await pendingApproval(g), 'deny', 'no')
    const error = await refusing
    assert.match(String(error), /denied|Permission denied/i)
    assert.equal(await exists(denied), false)
  } finally {
    await rm(approved, { force: true })
    await rm(denied, { force: true })
  }
})

test('sftp realpath is decided as a read, except the home directory every client asks for first', async () => {
  await using g = await startSshGateway()
  const dir = `/tmp/tg-rp-${randomBytes(4).toString('hex')}`
  await mkdir(dir)
  try {
    const { grant, credential } = await g.grant(`sftp-read:root:${dir}`)
    const client = await g.connect(credential)
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      client.sftp((error, s) => (error ? reject(error) : resolve(s))),
    )
    const realpath = (path: string) =>
      new Promise<string | Error>((resolve) =>
        sftp.realpath(path, (error, absolute) => resolve(error ?? absolute)),
      )
    assert.equal(await realpath('.'), '/root')
    assert.equal(await realpath(`${dir}/./`), dir)
    const refused = await realpath('/etc/../etc/ssh')
    assert.ok(refused instanceof Error)
    assert.equal(refused.message, `taskgate: grant ${grant.id} does not allow sftp-read:root:/etc/ssh`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
