// A throwaway PostgreSQL server that accepts TLS connections only (pg_hba: hostssl), with a certificate made
// by openssl for 127.0.0.1, for tests of the gateway's TLS to its target. Runs as the postgres user when
// the tests run as root (initdb refuses root).
import { execFile } from 'node:child_process'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './console.ts'
import { initPostgresDataDir } from './postgres-data-dir.ts'

const run = promisify(execFile)

export interface TlsPostgresServer extends AsyncDisposable {
  port: number
  /** The server's self-signed certificate, to verify it with (`target.caFile`). */
  caFile: string
}

/** A self-signed certificate and its key, made by openssl, valid for a day. */
export async function selfSignedCertificate(
  certFile: string,
  keyFile: string,
  subject: string,
  extension?: string,
): Promise<void> {
  const ext = extension ? ['-addext', extension] : []
  const args = ['req', '-new', '-x509', '-days', '1', '-nodes', '-subj', subject, ...ext]
  await run('openssl', [...args, '-keyout', keyFile, '-out', certFile])
}

export async function startTlsPostgresServer(): Promise<TlsPostgresServer> {
  const { dir, data, chownToPostgres, start, remove } = await initPostgresDataDir('tg-tls-pg-')
  const cert = join(dir, 'server.crt')
  const key = join(dir, 'server.key')
  await selfSignedCertificate(cert, key, '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost')
  await chmod(key, 0o600)
  await chownToPostgres([cert, key])
  // TLS or nothing: a plain connection is refused, so a working session proves the gateway used TLS.
  await writeFile(join(data, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 trust\n')
  await chownToPostgres([join(data, 'pg_hba.conf')])
  const port = await freePort()
  await start(port, ['ssl=on', `ssl_cert_file=${cert}`, `ssl_key_file=${key}`])
  return { port, caFile: cert, [Symbol.asyncDispose]: remove }
}
