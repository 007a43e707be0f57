// The exfiltration budget on SSH exec output with a real Debian sshd (issue 16): the target's stdout and
// stderr count in bytes; crossing the end threshold stops the output at the chunk that crossed and ends the
// grant, which closes the channel; the crossing is audited. Below the threshold, output passes whole.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { exec, type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'

let g: SshGateway

before(async () => {
  // Continues the fixture's policy mapping (its last line is `maxTtl`).
  g = await startSshGateway({
    extraConfig: `    budget:
      bytes: { end: 200000 }`,
  })
})
after(() => g[Symbol.asyncDispose]())

test('output under the budget passes whole', async () => {
  const { credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  const result = await exec(client, 'head -c 50000 /dev/zero | tr "\\\\0" x')
  assert.equal(result.stdout.length, 50000)
  assert.equal(result.code, 0)
  client.end()
})

test('crossing the bytes end threshold stops the output and ends the grant, audited', async () => {
  const { grant, credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  client.on('error', () => {})
  const result = await exec(client, 'head -c 5000000 /dev/zero | tr "\\\\0" x')
  assert.ok(result.stdout.length < 5_000_000, `received ${result.stdout.length} bytes`)
  assert.notEqual(result.code, 0)
  const ended = await g.gateway.core.getGrant(g.agent, grant.id)
  assert.notEqual(ended.status, 'active')
  const crossings = await g.gateway.store.audit.list({ type: 'budget.crossed', subject: grant.id })
  assert.equal(crossings.length, 1)
})
