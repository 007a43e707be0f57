// The MCP exec client pins the SSH listener's host key that came with the credential: a listener showing
// another key (or a credential without one) is refused before the password is sent.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import { generateEd25519, publicKeyLine } from '../../../src/kinds/ssh-keys.ts'
import { hostKeyBlob, SshDataPathClient } from '../../../src/mcp/clients/ssh.ts'
import { startSshGateway } from '../../support/start-ssh-gateway.ts'

const log = pino({ level: 'silent' })

test('hostKeyBlob reads the key of an OpenSSH public key line and nothing else', () => {
  const line = publicKeyLine(generateEd25519().publicKey)
  assert.ok(hostKeyBlob(line)?.length)
  assert.equal(hostKeyBlob(undefined), undefined)
  assert.equal(hostKeyBlob('ssh-ed25519'), undefined)
  assert.equal(hostKeyBlob('ssh-ed25519 not*base64'), undefined)
})

test('exec connects only to a listener showing the credential host key', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('exec:root:*')
  const connection = { ...credential.connection }
  assert.ok(connection.hostKey, 'an SSH credential carries the gateway host key')
  const base = { grantId: grant.id, expiresAt: new Date(Date.now() + 3600_000).toISOString() }
  const client = await SshDataPathClient.open({ ...base, connection }, log)
  await client.close()
  const other = publicKeyLine(generateEd25519().publicKey)
  await assert.rejects(
    SshDataPathClient.open({ ...base, connection: { ...connection, hostKey: other } }, log),
  )
  const { hostKey: _, ...withoutKey } = connection
  await assert.rejects(SshDataPathClient.open({ ...base, connection: withoutKey }, log))
})
