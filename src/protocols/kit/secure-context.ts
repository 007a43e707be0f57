// The TLS context a stream protocol offers its clients: the resource's configured certificate, or one the
// gateway generated and keeps under <store.dir>/tls (certificate.ts), the same for every stream kind as for
// HTTP. A generated certificate travels with every credential (`certificateAuthority`), so a client holding
// the credential can verify the listener it dials (MCP's data-path clients do) rather than encrypt to
// whoever answers.
import { join } from 'node:path'
import tls from 'node:tls'
import { loadOrCreateCertificate } from './certificate.ts'

export interface ClientTls {
  context: tls.SecureContext
  /** PEM of the generated certificate (it is its own CA); absent for a configured certificate. */
  certificateAuthority?: string
}

export async function clientTls(
  resource: {
    id: string
    listen: { host: string; advertise?: { host: string } | undefined }
    tls?: { cert: string; key: string } | undefined
  },
  storeDir: string,
): Promise<ClientTls> {
  const pair = await loadOrCreateCertificate({
    configured: resource.tls,
    dir: join(storeDir, 'tls'),
    id: resource.id,
    hosts: [resource.listen.host, ...(resource.listen.advertise ? [resource.listen.advertise.host] : [])],
  })
  const context = tls.createSecureContext({ cert: pair.cert, key: pair.key })
  return resource.tls ? { context } : { context, certificateAuthority: pair.cert }
}
