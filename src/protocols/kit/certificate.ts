// The certificate an HTTPS-shaped resource presents: the configured files, or one generated at first start
// and kept under <store.dir>/tls/<id>.crt/.key (key 0600, dir 0700) so clients that pinned it (curl
// --cacert, a kubeconfig's certificate-authority-data) keep working across restarts. A looser mode found on
// the key stops the start, as the store's own files do: another user could already have read it.

import { X509Certificate } from 'node:crypto'
import { constants } from 'node:fs'
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { TaskgateError } from '../../core/index.ts'

export interface CertificatePair {
  cert: string
  key: string
  /** Where the certificate is, for operators and for clients on this machine (`--cacert`). */
  certFile: string
}

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000
const VALID_MS = 825 * 24 * 3600 * 1000

export async function loadOrCreateCertificate(input: {
  configured: { cert: string; key: string } | undefined
  dir: string
  id: string
  /** Names and addresses clients dial (the listen host, localhost, loopback addresses). */
  hosts: readonly string[]
}): Promise<CertificatePair> {
  if (input.configured) {
    const [cert, key] = await Promise.all([
      readFile(input.configured.cert, 'utf8'),
      readFile(input.configured.key, 'utf8'),
    ])
    return { cert, key, certFile: input.configured.cert }
  }
  const certFile = join(input.dir, `${input.id}.crt`)
  const keyFile = join(input.dir, `${input.id}.key`)
  const kept = await readKept(certFile, keyFile)
  if (kept && stillValid(kept.cert, input.hosts)) return { ...kept, certFile }
  await mkdir(input.dir, { recursive: true, mode: 0o700 })
  await chmod(input.dir, 0o700)
  // Imported only when a certificate is made (first start): selfsigned's ASN.1 stack is ~150 modules that
  // every later start would load for nothing.
  const { generate } = await import('selfsigned')
  const pems = await generate([{ name: 'commonName', value: `taskgate ${input.id}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + VALID_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(input.hosts) },
    ],
  })
  await writePrivate(keyFile, pems.private)
  await writePrivate(certFile, pems.cert)
  return { cert: pems.cert, key: pems.private, certFile }
}

async function readKept(
  certFile: string,
  keyFile: string,
): Promise<{ cert: string; key: string } | undefined> {
  let mode: number
  try {
    mode = (await stat(keyFile)).mode
  } catch {
    return undefined
  }
  if ((mode & 0o077) !== 0)
    throw new TaskgateError('TG_STORE_FILES_EXPOSED', {
      message: `${keyFile} is ${(mode & 0o777).toString(8)}: run chmod 600 ${keyFile}`,
    })
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')])
  return { cert, key }
}

/** Kept while it has a month left and still names every host clients dial. */
function stillValid(pem: string, hosts: readonly string[]): boolean {
  const cert = new X509Certificate(pem)
  if (new Date(cert.validTo).getTime() - Date.now() < RENEW_BEFORE_MS) return false
  return hosts.every((host) => (isIP(host) ? cert.checkIP(host) : cert.checkHost(host)) !== undefined)
}

function altNames(hosts: readonly string[]): Array<{ type: 2; value: string } | { type: 7; ip: string }> {
  const all = new Set([
    'localhost',
    '127.0.0.1',
    '::1',
    ...hosts.filter((h) => h !== '0.0.0.0' && h !== '::'),
  ])
  return [...all].map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }))
}

/** Replaces `file` with `text`, created 0600 (never world-readable, even for a moment). */
async function writePrivate(file: string, text: string): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600)
  try {
    await handle.chmod(0o600)
    await handle.writeFile(text)
  } finally {
    await handle.close()
  }
}
