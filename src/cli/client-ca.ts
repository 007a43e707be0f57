// The certificate a credential's listener presents when the gateway generated it (HTTP resources without
// `tls:`): written beside the CLI's login ($XDG_CONFIG_HOME/taskgate/keys/<host>_<port>.ca.pem) so curl can
// verify the gateway with --cacert instead of being told to skip verification.
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ClientConnection } from '../kinds/index.ts'
import { credentialsPath } from './token-store.ts'

/** The connection with `caFile` set, after writing the file, when the credential carries a certificate. */
export async function withCertificateAuthority(
  connection: ClientConnection,
  env: Record<string, string | undefined>,
): Promise<ClientConnection> {
  if (!connection.certificateAuthority) return connection
  const dir = join(dirname(credentialsPath(env)), 'keys')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  const file = join(dir, `${connection.host.replace(/[^A-Za-z0-9_.-]/g, '_')}_${connection.port}.ca.pem`)
  await writeFile(file, connection.certificateAuthority, { mode: 0o600 })
  return { ...connection, caFile: file }
}
