// The private key file a credential of a key-login kind (SSH) is used with: written beside the CLI's login
// ($XDG_CONFIG_HOME/taskgate/keys/<user>.key), 0600 in a 0700 directory, so `ssh -i` accepts it and no
// other user of the machine can read it. The key is derived from the credential's password (kinds/ssh-keys.ts)
// and stops working with the grant. Beside it, a known_hosts file pinning the gateway's host key.
import { chmod, mkdir, open, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ClientConnection, ResourceKind } from '../kinds/index.ts'
import { credentialsPath } from './token-store.ts'

/** The connection with `keyFile` set, after writing the file, for a kind whose clients log in with a key. */
export async function withClientKey(
  kind: ResourceKind,
  connection: ClientConnection,
  env: Record<string, string | undefined>,
): Promise<ClientConnection> {
  const privateKey = kind.client.privateKey?.(connection)
  if (privateKey === undefined) return connection
  const dir = join(dirname(credentialsPath(env)), 'keys')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  const file = join(dir, `${connection.user.replace(/[^A-Za-z0-9_.+-]/g, '_')}.key`)
  const handle = await open(file, 'w', 0o600)
  try {
    await handle.chmod(0o600)
    await handle.writeFile(privateKey)
  } finally {
    await handle.close()
  }
  if (!connection.hostKey) return { ...connection, keyFile: file }
  const knownHosts = join(
    dir,
    `${connection.host.replace(/[^A-Za-z0-9_.-]/g, '_')}_${connection.port}.known_hosts`,
  )
  await writeFile(knownHosts, `[${connection.host}]:${connection.port} ${connection.hostKey}\n`, {
    mode: 0o600,
  })
  return { ...connection, keyFile: file, knownHostsFile: knownHosts }
}
