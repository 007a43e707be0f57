// The SSH engine's exec path against a real Debian sshd through a real gateway, with the ssh2 client:
// allowed commands run as the granted login with the gateway's per-session certificate, exit statuses pass
// through, denials arrive on stderr with status 126 and what to request, everything is recorded.
import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { exec, startSshGateway } from '../../support/start-ssh-gateway.ts'

test('an allowed command runs on the target as the login, with a certificate naming the grant', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  const result = await exec(client, 'id -un')
  assert.equal(result.stdout.trim(), 'root')
  assert.equal(result.code, 0)
  assert.match(g.sshd.log(), new RegExp(`Accepted publickey for root .*ED25519-CERT.* ID ${grant.id} `))
})

test('exit statuses and stdin pass through', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  assert.equal((await exec(client, 'exit 3')).code, 3)
  const echoed = await exec(client, 'cat', 'from stdin\n')
  assert.equal(echoed.stdout, 'from stdin\n')
})

test('a command outside the grant is refused on stderr with status 126, the rule, the missing scope and the request command', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  const result = await exec(client, 'touch /tmp/should-not-exist')
  assert.equal(result.code, 126)
  assert.equal(result.stdout, '')
  assert.match(result.stderr, /^taskgate: denied \(rule scope\)/)
  assert.match(result.stderr, /missing scope: exec:root/)
  assert.match(result.stderr, /taskgate grant request /)
  assert.equal(result.stderr.trim().split('\n').length, 1)
})

test('each exec is recorded as an action and as an asciicast file readable only by the gateway', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  await exec(client, 'ls /etc/hostname /nonexistent-path')
  client.end()
  let actions: Array<{ text: string; outcome: string; error?: string }> = []
  let sessionId = ''
  for (let i = 0; i < 100; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId: grant.id })
    if (session) {
      sessionId = session.id
      actions = (await g.gateway.core.getSession(g.admin, session.id)).actions
      if (actions.some((a) => a.error)) break
    }
    await sleep(50)
  }
  const action = actions.find((a) => a.text.startsWith('ls /etc/hostname'))
  assert.ok(action, JSON.stringify(actions))
  assert.equal(action.outcome, 'allow')
  assert.equal(action.error, 'exit status 2')
  const dir = join(g.dir, 'data', 'recordings', 'ssh', sessionId)
  assert.equal((await stat(dir)).mode & 0o777, 0o700)
  const [file] = await readdir(dir)
  assert.ok(file)
  assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600)
  const lines = (await readFile(join(dir, file), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  assert.equal(lines[0].version, 2)
  assert.ok(lines.some((e) => e[1] === 'o' && e[2].includes('/etc/hostname')))
  assert.ok(lines.some((e) => e[1] === 'e' && e[2].includes('nonexistent-path')))
  assert.deepEqual(lines.at(-1).slice(1), ['m', 'exit status 2'])
})

test('a built-in guardrail refuses a destructive command even under a whole-login grant', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  const result = await exec(client, 'rm -rf --no-preserve-root /')
  assert.equal(result.code, 126)
  assert.match(result.stderr, /taskgate: denied \(rule guardrail:no-recursive-root-delete\)/)
})
