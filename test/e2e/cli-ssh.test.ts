// The real CLI with an SSH grant through the real gateway and Debian's sshd and OpenSSH client:
// `taskgate resources` prints the gateway host key as a known_hosts line, `grant env` writes the login key
// (0600) and prints the ssh line, `connect -- ssh` runs OpenSSH with the key and the host key pinned.
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { runTaskgate } from '../support/run-taskgate.ts'
import { startSshGateway } from '../support/start-ssh-gateway.ts'

test('an SSH grant: resources shows the host key, grant env writes the key, connect -- ssh runs a command', async () => {
  await using g = await startSshGateway()
  const config = join(g.dir, 'cli-config')
  const as = (...args: string[]) =>
    runTaskgate(args, {
      env: { TASKGATE_API: g.gateway.api.url, TASKGATE_TOKEN: g.agentKey, XDG_CONFIG_HOME: config },
    })
  const resources = await as('resources')
  assert.equal(resources.code, 0, resources.stderr)
  assert.ok(
    resources.stdout.includes(`host key of ${g.resourceId}: [127.0.0.1]:${g.port} ${await g.hostKey()}`),
  )
  const request = await as(
    'grant',
    'request',
    g.resourceId,
    '--scope',
    'exec:root',
    '--task',
    'look around',
    '--json',
  )
  assert.equal(request.code, 0, request.stderr)
  const { id } = JSON.parse(request.stdout) as { id: string }
  const env = await as('grant', 'env', id)
  assert.equal(env.code, 0, env.stderr)
  const keyFile = /^export TASKGATE_SSH_KEY='([^']+)'$/m.exec(env.stdout)?.[1]
  assert.ok(keyFile, env.stdout)
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600)
  assert.match(env.stdout, /^# then: ssh -p \d+ -i \S+ -o IdentitiesOnly=yes \S+@127\.0\.0\.1$/m)
  const run = await as('connect', id, '--', 'ssh', '-o', 'BatchMode=yes', 'id', '-un')
  assert.equal(run.code, 0, run.stderr)
  assert.equal(run.stdout, 'root\n')
  const denied = await as(
    'connect',
    id,
    '--',
    'ssh',
    '-o',
    'BatchMode=yes',
    'rm',
    '-rf',
    '--no-preserve-root',
    '/',
  )
  assert.equal(denied.code, 126)
  assert.match(denied.stderr, /guardrail:no-recursive-root-delete/)
})
