// An exec with a pty is a program the client drives by keystrokes once it runs: `git log` on a terminal
// starts a pager (less), whose `!cmd` runs any command as the login. A grant of one command
// (`exec:root:git -C <repo> log *`) therefore never covers it with a terminal: the exec needs the whole login
// (`exec:root`). Without a pty the same command still runs under the command scope. Real Debian sshd, real
// git and less, real gateway, ssh2 client.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Client } from 'ssh2'
import { exec, startSshGateway } from '../support/start-ssh-gateway.ts'

/** Runs `command` with a pty, typing `keys` once the first output arrives; resolves on close. */
function execOnTerminal(
  client: Client,
  command: string,
  keys: string,
): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) =>
    client.exec(command, { pty: { term: 'xterm', rows: 24, cols: 80 } }, (error, channel) => {
      if (error) return reject(error)
      let out = ''
      let code: number | null = null
      let typed = false
      const onData = (chunk: Buffer) => {
        out += chunk.toString()
        if (!typed) {
          typed = true
          channel.write(keys)
        }
      }
      channel.on('data', onData)
      channel.stderr.on('data', onData)
      channel.on('exit', (c: number | null) => {
        code = c
      })
      channel.on('close', () => resolve({ out, code }))
    }),
  )
}

test('a command scope does not cover the command run on a terminal (a pager would run anything)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-pager-'))
  const repo = join(dir, 'repo')
  const marker = join(dir, 'pwned')
  execFileSync('git', ['init', '-q', repo])
  for (let i = 0; i < 60; i++)
    execFileSync('git', [
      '-C',
      repo,
      '-c',
      'user.email=a@b',
      '-c',
      'user.name=a',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      `c${i}`,
    ])
  await using g = await startSshGateway()
  const { credential } = await g.grant(`exec:root:git -C ${repo} log *`)
  const client = await g.connect(credential)

  // Without a terminal the granted command runs as granted.
  const plain = await exec(client, `git -C ${repo} log --oneline -1`)
  assert.equal(plain.code, 0, plain.stderr)
  assert.match(plain.stdout, /c59/)

  // With one, less would take `!touch …` (then `q`): the exec is refused before anything runs.
  const result = await execOnTerminal(client, `git -C ${repo} log`, `!touch ${marker}\nq\nq`)
  assert.equal(result.code, 126, result.out)
  assert.match(result.out, /does not allow exec:root\b/)
  assert.equal(existsSync(marker), false, 'the pager ran a command the grant never named')
  client.end()
  await rm(dir, { recursive: true, force: true })
})

test('a grant of the whole login still runs a command on a terminal', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const result = await execOnTerminal(client, 'tty', '')
  assert.equal(result.code, 0, result.out)
  assert.match(result.out, /\/dev\/pts\//)
  client.end()
})
