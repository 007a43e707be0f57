// The certificate kubectl verifies the gateway with. Configured (`tls`): read from its files, and the
// certificate itself goes in kubeconfigs as the CA (a private CA's chain is the operator's to configure).
// Absent: a self-signed one generated at each start, with IP SANs (kubectl checks them; it sends no bearer
// token over plain http://), put in every kubeconfig `taskgate grant kubeconfig` writes; a restart makes
// earlier kubeconfigs stale, so a gateway serving people configures one.
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import { generate } from 'selfsigned'

export interface ServingCertificate {
  cert: string
  key: string
  /** PEM kubeconfigs embed as `certificate-authority-data`. */
  authority: string
}

export async function servingCertificate(resource: {
  listen: { host: string }
  tls?: { cert: string; key: string } | undefined
}): Promise<ServingCertificate> {
  if (resource.tls) {
    const [cert, key] = await Promise.all([
      readFile(resource.tls.cert, 'utf8'),
      readFile(resource.tls.key, 'utf8'),
    ])
    return { cert, key, authority: cert }
  }
  const hosts = new Set(['127.0.0.1', '::1', 'localhost', resource.listen.host])
  hosts.delete('0.0.0.0')
  hosts.delete('::')
  const altNames = [...hosts].map((h) =>
    net.isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h },
  )
  const pems = await generate([{ name: 'commonName', value: 'taskgate kubernetes gateway' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  })
  return { cert: pems.cert, key: pems.private, authority: pems.cert }
}
