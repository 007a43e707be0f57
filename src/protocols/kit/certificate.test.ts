import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { loadOrCreateCertificate } from './certificate.ts'

const dirs: string[] = []
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function tlsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-cert-'))
  dirs.push(dir)
  return join(dir, 'tls')
}

test('a generated certificate is kept private and the same across starts', async () => {
  const dir = await tlsDir()
  const first = await loadOrCreateCertificate({ configured: undefined, dir, id: 'api', hosts: ['127.0.0.1'] })
  assert.equal((await stat(dir)).mode & 0o777, 0o700)
  assert.equal((await stat(join(dir, 'api.key'))).mode & 0o777, 0o600)
  assert.equal((await stat(join(dir, 'api.crt'))).mode & 0o777, 0o600)
  const cert = new X509Certificate(first.cert)
  for (const ip of ['127.0.0.1', '::1']) assert.ok(cert.checkIP(ip), ip)
  assert.ok(cert.checkHost('localhost'))
  const again = await loadOrCreateCertificate({ configured: undefined, dir, id: 'api', hosts: ['127.0.0.1'] })
  assert.equal(again.cert, first.cert, 'a restart serves the certificate clients pinned')
  assert.equal(again.key, first.key)
})

test('a new listen name gets a new certificate naming it', async () => {
  const dir = await tlsDir()
  const first = await loadOrCreateCertificate({ configured: undefined, dir, id: 'api', hosts: ['127.0.0.1'] })
  const moved = await loadOrCreateCertificate({ configured: undefined, dir, id: 'api', hosts: ['10.1.2.3'] })
  assert.notEqual(moved.cert, first.cert)
  assert.ok(new X509Certificate(moved.cert).checkIP('10.1.2.3'))
})

test('a key readable by others stops the start', async () => {
  const dir = await tlsDir()
  await loadOrCreateCertificate({ configured: undefined, dir, id: 'api', hosts: [] })
  await chmod(join(dir, 'api.key'), 0o644)
  await assert.rejects(
    loadOrCreateCertificate({ configured: undefined, dir, id: 'api', hosts: [] }),
    /chmod 600/,
  )
})
