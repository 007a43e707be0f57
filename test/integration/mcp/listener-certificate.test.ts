// MCP's data-path clients verify the gateway listener they dial, on loopback too: the credential carries the
// certificate the listener generated (kept under <store.dir>/tls), and a listener presenting any other
// certificate (a process that took the port while the gateway restarted) never receives the password.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import pino from 'pino'
import type { IssuedCredential } from '../../../src/core/index.ts'
import { mysqlClient } from '../../../src/mcp/clients/mysql.ts'
import { postgresClient } from '../../../src/mcp/clients/postgres.ts'
import type { DataPathClientKind } from '../../../src/mcp/data-path-client.ts'
import { loadOrCreateCertificate } from '../../../src/protocols/kit/certificate.ts'
import { startPostgresGateway } from '../../support/start-gateway.ts'
import { startMysqlGateway } from '../../support/start-mysql-gateway.ts'

const log = pino({ level: 'silent' })

async function anotherCertificate(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-other-ca-'))
  try {
    const pair = await loadOrCreateCertificate({
      configured: undefined,
      dir,
      id: 'other',
      hosts: ['127.0.0.1'],
    })
    return pair.cert
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function assertPinned(kind: DataPathClientKind, issued: IssuedCredential, sql: string): Promise<void> {
  const ca = issued.connection.certificateAuthority
  assert.match(ca ?? '', /BEGIN CERTIFICATE/, 'the credential carries the listener certificate')
  const credential = {
    grantId: issued.grantId,
    expiresAt: issued.expiresAt.toISOString(),
    connection: issued.connection,
  }
  const client = await kind.open(credential, log)
  try {
    const rows = await client.query!({ sql, maxRows: 10 }, () => {})
    assert.equal(rows.rowCount, 1)
  } finally {
    await client.close()
  }
  const forged = {
    ...credential,
    connection: { ...credential.connection, certificateAuthority: await anotherCertificate() },
  }
  await assert.rejects(kind.open(forged, log), (error: Error & { code?: string }) => {
    assert.match(`${error.code} ${error.message}`, /SELF_SIGNED|self.signed|unable to verify|certificate/i)
    return true
  })
}

test('mcp postgres client: verifies the listener against the certificate the credential carries', async () => {
  await using g = await startPostgresGateway()
  const { credential } = await g.grant('select:*')
  await assertPinned(postgresClient, credential, 'select 1 as one')
})

test('mcp mysql client: verifies the listener against the certificate the credential carries', async () => {
  await using g = await startMysqlGateway()
  const { credential } = await g.grant('select:$DB.*')
  await assertPinned(mysqlClient, credential, 'SELECT 1 AS one')
})
