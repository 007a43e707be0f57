// A throwaway PostgreSQL server that accepts TLS connections only (pg_hba: hostssl), with a certificate made
// by openssl for 127.0.0.1, for tests of the gateway's TLS to its target. Runs as the postgres user when
// the tests run as root (initdb refuses root).
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './console.ts'

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

function pgBin(tool: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
  return join('/usr/lib/postgresql', versions[0]!, 'bin', tool)
}

export async function startTlsPostgresServer(): Promise<TlsPostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-tls-pg-'))
  const asRoot = process.getuid?.() === 0
  const as = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]) : run(pgBin(tool), args)
  if (asRoot) await run('chown', ['postgres', dir])
  const data = join(dir, 'data')
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'])
  const cert = join(dir, 'server.crt')
  const key = join(dir, 'server.key')
  await selfSignedCertificate(cert, key, '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost')
  await chmod(key, 0o600)
  if (asRoot) await run('chown', ['postgres', cert, key])
  // TLS or nothing: a plain connection is refused, so a working session proves the gateway used TLS.
  await writeFile(join(data, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 trust\n')
  if (asRoot) await run('chown', ['postgres', join(data, 'pg_hba.conf')])
  const port = await freePort()
  await as('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key} -c fsync=off`,
  ])
  return {
    port,
    caFile: cert,
    async [Symbol.asyncDispose]() {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => {})
      await rm(dir, { recursive: true, force: true })
    },
  }
}
