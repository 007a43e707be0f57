// sftp and scp (SFTP protocol, OpenSSH 9) through the gateway with the real OpenSSH clients: decided per
// path and direction on the target's resolved path, each file recorded with its size and SHA-256, large
// transfers complete, denials refuse without reaching the target.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ActionRecord, IssuedCredential } from '../../../src/core/index.ts'
import { sshKind } from '../../../src/kinds/ssh.ts'
import { type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

function run(
  command: string,
  args: string[],
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    child.stdin!.end(input)
  })
}

async function clientArgs(
  g: SshGateway,
  credential: IssuedCredential,
  program: 'sftp' | 'scp',
): Promise<string[]> {
  const keyFile = join(g.dir, `${credential.connection.user}.key`)
  const connection = { ...credential.connection, keyFile }
  await writeFile(keyFile, sshKind.client.privateKey!(connection), { mode: 0o600 })
  const knownHosts = join(g.dir, 'known_hosts')
  await writeFile(knownHosts, `[127.0.0.1]:${g.port} ${await g.hostKey()}\n`)
  return [
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'BatchMode=yes',
    ...sshKind.client.argumentsFor(program, connection),
  ]
}

/** The actions of every session of the grant (each scp or sftp run is one). */
async function fileActions(g: SshGateway, grantId: string, count: number): Promise<ActionRecord[]> {
  let actions: ActionRecord[] = []
  for (let i = 0; i < 100; i++) {
    const sessions = await g.gateway.core.listSessions(g.admin, { grantId })
    actions = (
      await Promise.all(sessions.map(async (s) => (await g.gateway.core.getSession(g.admin, s.id)).actions))
    ).flat()
    const files = actions.filter((a) => a.result?.columns[1] === 'sha256' || a.outcome !== 'allow')
    if (files.length >= count) return actions
    await sleep(50)
  }
  assert.fail(`the transfers were not recorded: ${JSON.stringify(actions)}`)
}

/** A fresh directory on the target (this machine): lower case, as scope objects are. */
async function targetDir(prefix: string): Promise<string> {
  const dir = join(tmpdir(), `${prefix}-${randomBytes(4).toString('hex')}`)
  await mkdir(dir)
  return dir
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

test('scp down and up: files recorded with size and SHA-256, 8 MiB each way', async () => {
  await using g = await startSshGateway()
  const dir = await targetDir('tg-scp')
  try {
    const content = randomBytes(8 * 1024 * 1024)
    await writeFile(join(dir, 'source.bin'), content)
    const { grant, credential } = await g.grant(`sftp-read:root:${dir}/*,sftp-write:root:${dir}/*`)
    const args = await clientArgs(g, credential, 'scp')
    const down = await run('scp', [...args, `127.0.0.1:${dir}/source.bin`, join(dir, 'local.bin')])
    assert.equal(down.code, 0, down.stderr)
    assert.equal(sha256(await readFile(join(dir, 'local.bin'))), sha256(content))
    const up = await run('scp', [...args, join(dir, 'local.bin'), `127.0.0.1:${dir}/uploaded.bin`])
    assert.equal(up.code, 0, up.stderr)
    assert.equal(sha256(await readFile(join(dir, 'uploaded.bin'))), sha256(content))
    const actions = await fileActions(g, grant.id, 2)
    const read = actions.find((a) => a.text === `sftp-read ${dir}/source.bin` && a.result)
    const written = actions.find((a) => a.text === `sftp-write ${dir}/uploaded.bin` && a.result)
    assert.deepEqual(read?.result?.rows, [[content.length, sha256(content)]], JSON.stringify(actions))
    assert.deepEqual(written?.result?.rows, [[content.length, sha256(content)]])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('sftp: a read-only grant cannot write, and a symlink cannot lead a granted path elsewhere', async () => {
  await using g = await startSshGateway()
  const dir = await targetDir('tg-sftp')
  const outside = await targetDir('tg-outside')
  try {
    await writeFile(join(dir, 'readable.txt'), 'granted\n')
    await writeFile(join(outside, 'secret.txt'), 'not granted\n')
    await symlink(join(outside, 'secret.txt'), join(dir, 'link.txt'))
    const { grant, credential } = await g.grant(`sftp-read:root:${dir}/*`)
    const args = await clientArgs(g, credential, 'sftp')
    const batch = [
      `get ${dir}/readable.txt ${dir}/got.txt`,
      `-put ${dir}/readable.txt ${dir}/new.txt`,
      `-get ${dir}/link.txt ${dir}/leak.txt`,
    ].join('\n')
    const result = await run('sftp', [...args, '-b', '-', '127.0.0.1'], `${batch}\n`)
    assert.equal(await readFile(join(dir, 'got.txt'), 'utf8'), 'granted\n', result.stderr)
    await assert.rejects(readFile(join(dir, 'new.txt')))
    await assert.rejects(readFile(join(dir, 'leak.txt')))
    const actions = await fileActions(g, grant.id, 3)
    assert.ok(
      actions.some((a) => a.text === `sftp-write ${dir}/new.txt` && a.outcome === 'deny'),
      JSON.stringify(actions),
    )
    assert.ok(actions.some((a) => a.text === `sftp-read ${outside}/secret.txt` && a.outcome === 'deny'))
  } finally {
    await rm(dir, { recursive: true, force: true })
    await rm(outside, { recursive: true, force: true })
  }
})
