// TLS from the gateway to its target, against a PostgreSQL that accepts TLS connections only: `require`
// and `verify-full` (with the server's certificate as CA) work, and the upstream backend reports SSL;
// `disable` is refused by the target, and `verify-full` against another CA fails, each as a clear error.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { psql } from '../../support/clients/psql.ts'
import { startPostgresGateway } from '../../support/start-gateway.ts'
import {
  selfSignedCertificate,
  startTlsPostgresServer,
  type TlsPostgresServer,
} from '../../support/tls-postgres-server.ts'

let server: TlsPostgresServer

before(async () => {
  server = await startTlsPostgresServer()
})
after(() => server[Symbol.asyncDispose]())

const target = (tls: string, caFile?: string) =>
  `{ host: 127.0.0.1, port: ${server.port}, database: postgres, user: postgres, tls: ${tls}${caFile ? `, caFile: ${caFile}` : ''} }`

for (const [mode, caFile] of [
  ['require', undefined],
  ['verify-full', 'server'],
] as const) {
  test(`target.tls ${mode}: the session runs over TLS to the target`, async () => {
    await using gw = await startPostgresGateway({
      target: target(mode, caFile === 'server' ? server.caFile : undefined),
    })
    const { credential } = await gw.grant('*:*')
    const result = await psql(gw.env(credential), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout.trim(), 't')
  })
}

test('target.tls disable: the TLS-only target refuses, and the client hears the target is unavailable', async () => {
  await using gw = await startPostgresGateway({ target: target('disable') })
  const { credential } = await gw.grant('*:*')
  const result = await psql(gw.env(credential), 'SELECT 1')
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, /FATAL/)
})

test('target.tls verify-full with a CA that did not sign the certificate fails', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-other-ca-'))
  try {
    const other = join(dir, 'other.crt')
    await selfSignedCertificate(other, join(dir, 'other.key'), '/CN=other')
    await using gw = await startPostgresGateway({ target: target('verify-full', other) })
    const { credential } = await gw.grant('*:*')
    const result = await psql(gw.env(credential), 'SELECT 1')
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, /FATAL/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
