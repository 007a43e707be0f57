// SSH recordings on the gateway's disk under `retention.recordings`: a retention run removes the cast
// directory of an ended session past the policy's maxAge, like its recorded actions, and never one under
// legal hold.
import assert from 'node:assert/strict'
import { access, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { exec, type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

/** Runs one command in a session of its own and waits for the session to end; returns its id. */
async function endedSession(g: SshGateway): Promise<string> {
  const { grant, credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  assert.equal((await exec(client, 'echo recorded')).code, 0)
  client.end()
  for (let i = 0; i < 200; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId: grant.id })
    if (session?.endedAt) return session.id
    await sleep(50)
  }
  throw new Error('the session never ended')
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

test('retention removes SSH recording files past maxAge, never a session under legal hold', async () => {
  await using g = await startSshGateway({
    extraConfig: 'retention:\n  recordings:\n    - { kinds: [ssh], maxAge: 1s }\n',
  })
  const dir = (id: string) => join(g.dir, 'data', 'recordings', 'ssh', id)
  const pruned = await endedSession(g)
  const held = await endedSession(g)
  assert.equal((await readdir(dir(pruned))).length, 1)
  await g.gateway.core.holdSession(g.admin, held, 'incident 7')
  await sleep(1500)
  const result = await g.gateway.core.runRetention(g.admin)
  assert.ok(result.recordings.sessions >= 1)
  assert.equal(await exists(dir(pruned)), false)
  assert.equal(await exists(dir(held)), true)
  assert.equal((await readdir(dir(held))).length, 1)
})
