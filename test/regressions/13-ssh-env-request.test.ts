// An SSH `env` request is an environment assignment by another route: a grant naming one command
// (`exec:root:true`) must not run code through BASH_ENV (read by the non-interactive bash sshd starts the
// command with), LD_PRELOAD and the like, whatever the target's AcceptEnv lets through. Real Debian sshd
// accepting BASH_ENV, real gateway, ssh2 client.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startSshGateway } from '../support/start-ssh-gateway.ts'

test('an env request outside LANG/LC_*/TZ never reaches the target', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-env-'))
  const script = join(dir, 'evil.sh')
  await writeFile(script, 'echo PWNED-BY-BASH-ENV\n', { mode: 0o644 })
  await using g = await startSshGateway({ sshdConfig: 'AcceptEnv BASH_ENV LD_PRELOAD LANG LC_*' })
  const { credential } = await g.grant('exec:root:true')
  const client = await g.connect(credential)
  const out = await new Promise<string>((resolve, reject) =>
    client.exec('true', { env: { BASH_ENV: script, LANG: 'C' } }, (error, channel) => {
      if (error) return reject(error)
      let text = ''
      channel.on('data', (c: Buffer) => (text += c.toString()))
      channel.stderr.on('data', (c: Buffer) => (text += c.toString()))
      channel.on('close', () => resolve(text))
    }),
  )
  client.end()
  await rm(dir, { recursive: true, force: true })
  assert.doesNotMatch(out, /PWNED/)
})

test('locale and zone values that are paths never reach the target (outside review)', async () => {
  await using g = await startSshGateway({ sshdConfig: 'AcceptEnv LANG LANGUAGE LC_* TZ' })
  const { credential } = await g.grant('exec:root:printenv *')
  const client = await g.connect(credential)
  const run = (env: Record<string, string>) =>
    new Promise<string>((resolve, reject) =>
      client.exec('printenv LANG LANGUAGE LC_MESSAGES TZ', { env }, (error, channel) => {
        if (error) return reject(error)
        let text = ''
        channel.on('data', (c: Buffer) => (text += c.toString()))
        channel.on('close', () => resolve(text))
      }),
    )
  const good = await run({ LANG: 'en_US.UTF-8', LANGUAGE: 'de:en', LC_MESSAGES: 'C', TZ: 'Europe/Berlin' })
  assert.equal(good, 'en_US.UTF-8\nde:en\nC\nEurope/Berlin\n')
  const bad = await run({ LANG: 'C', LANGUAGE: '../../../tmp/x', LC_MESSAGES: 'x/../../y', TZ: '/tmp/zone' })
  client.end()
  assert.equal(bad, 'C\n')
})
