// The TLS context a stream protocol offers its clients: the resource's configured certificate, or a
// self-signed one generated at each start (clients can encrypt without verifying; verification needs a
// configured certificate).
import { readFile } from 'node:fs/promises'
import tls from 'node:tls'
import { generate } from 'selfsigned'

export async function clientSecureContext(resource: {
  listen: { host: string }
  tls?: { cert: string; key: string } | undefined
}): Promise<tls.SecureContext> {
  if (resource.tls) {
    const [cert, key] = await Promise.all([readFile(resource.tls.cert), readFile(resource.tls.key)])
    return tls.createSecureContext({ cert, key })
  }
  const pems = await generate([{ name: 'commonName', value: resource.listen.host }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
  })
  return tls.createSecureContext({ cert: pems.cert, key: pems.private })
}
