// What cannot be recorded does not run, against a real sshd with the recordings on a small tmpfs (a real
// full disk, ENOSPC from the kernel): a recording that cannot be opened refuses the command before it
// starts on the target (it used to run it and then close the channel, or, when the file's open or first
// write failed, relay it unrecorded); a disk that fills while a command's output is recorded stops that
// command (it used to go on unrecorded, the write error swallowed); with space again, commands run.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { ClientChannel } from 'ssh2'
import { exec, type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

const run = promisify(execFile)

/** The gateway's SSH recordings directory on a tmpfs of `size`; unmounted when the test ends. */
async function smallDisk(g: SshGateway, size: string): Promise<AsyncDisposable & { dir: string }> {
  const dir = join(g.dir, 'data', 'recordings', 'ssh')
  await mkdir(dir, { recursive: true })
  await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
  return {
    dir,
    async [Symbol.asyncDispose]() {
      await run('umount', ['-l', dir]).catch(() => {})
    },
  }
}

async function actionOutcomes(g: SshGateway, grantId: string, count: number) {
  for (let i = 0; i < 100; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId })
    if (session) {
      const { actions } = await g.gateway.core.getSession(g.admin, session.id)
      const done = actions.filter(
        (a) => a.kind === 'exec' && (a.error !== undefined || a.durationMs !== undefined),
      )
      if (done.length >= count) return actions
    }
    await sleep(50)
  }
  const [session] = await g.gateway.core.listSessions(g.admin, { grantId })
  assert.fail(
    `the outcomes were not recorded: ${JSON.stringify(session && (await g.gateway.core.getSession(g.admin, session.id)).actions)}`,
  )
}

test('a disk that fills while a command is recorded stops the command; a full one refuses the next', async () => {
  await using g = await startSshGateway()
  await using disk = await smallDisk(g, '1m')
  const { grant, credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const total = 64 * 2 ** 20
  const channel = await new Promise<ClientChannel>((resolve, reject) =>
    client.exec(`yes abcdefghijklmnopqrstuvwxyz | head -c ${total}`, (error, stream) =>
      error ? reject(error) : resolve(stream),
    ),
  )
  let received = 0
  let stderr = ''
  let ended: { code: number | null; signal?: string } = { code: null }
  channel.on('data', (chunk: Buffer) => {
    received += chunk.length
  })
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  channel.on('exit', (code: number | null, signal?: string) => {
    ended = { code, ...(signal ? { signal } : {}) }
  })
  await new Promise((resolve) => channel.once('close', resolve))
  assert.match(stderr, /stopped \(rule recording\): the session recording cannot be written \(ENOSPC\)/)
  assert.equal(ended.code, null, 'the command did not end on its own')
  assert.equal(ended.signal, 'SIGTERM')
  // What went out unrecorded is bounded by the recorder's queue and the windows, not the command's output.
  assert.ok(received < 16 * 2 ** 20, `received ${received} bytes of ${total}`)

  // The disk full to its last page (the failed write may have left some): the next command is refused
  // before it starts on the target.
  await run('dd', ['if=/dev/zero', `of=${join(disk.dir, 'filler')}`, 'bs=4k']).catch(() => {})
  const marker = `/tmp/tg-unrecorded-${grant.id}`
  const refused = await exec(client, `touch ${marker}`)
  assert.equal(refused.code, 126, JSON.stringify(refused))
  assert.match(refused.stderr, /denied \(rule recording\): the session recording cannot be written/)
  assert.equal(existsSync(marker), false, 'the refused command never ran')

  const actions = await actionOutcomes(g, grant.id, 2)
  assert.ok(
    actions.some((a) => a.text.startsWith('yes ') && a.error === 'recording failed: ENOSPC'),
    JSON.stringify(actions),
  )
  assert.ok(actions.some((a) => a.text === `touch ${marker}` && a.error === 'recording unavailable'))

  // Space again: commands run and are recorded.
  await run('find', [disk.dir, '-type', 'f', '-delete'])
  const again = await exec(client, 'echo recorded-again')
  assert.equal(again.stdout, 'recorded-again\n', JSON.stringify(again))
  assert.equal(again.code, 0)
  client.end()
})

test('a shell whose recording cannot be opened does not start', async () => {
  await using g = await startSshGateway()
  await using disk = await smallDisk(g, '64k')
  await run('dd', ['if=/dev/zero', `of=${join(disk.dir, 'filler')}`, 'bs=4k']).catch(() => {}) // to ENOSPC
  const { credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  const shell = await new Promise<ClientChannel>((resolve, reject) =>
    client.shell({ term: 'xterm', rows: 24, cols: 80 }, (error, stream) =>
      error ? reject(error) : resolve(stream),
    ),
  )
  let output = ''
  let code: number | null = null
  shell.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  shell.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  shell.on('exit', (c: number | null) => {
    code = c
  })
  await new Promise((resolve) => shell.once('close', resolve))
  assert.equal(code, 126, output)
  assert.match(output, /denied \(rule recording\)/)
  assert.doesNotMatch(g.sshd.log(), /Starting session: shell/)
  await rm(join(disk.dir, 'filler'))
  client.end()
})
