// The TLS a data-path client uses toward a resource's taskgate listener (every kind's client: the same rule).
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'

/**
 * Always TLS: every taskgate listener offers it, and a resource may refuse clients without it
 * (`clients.requireTls`, or `authMethod: password`, which sends the credential in clear). On a loopback
 * address the peer is this host, where whoever could impersonate the listener could already read its
 * key, and the listener's certificate is often the self-signed one generated at start, which no client
 * can verify: encrypt without verifying there (psql's sslmode=require). Anywhere else the credential
 * crosses a network: verify the certificate and its host name (verify-full) against Node's CA store,
 * which NODE_EXTRA_CA_CERTS extends with the CA of the certificate configured in `resources[].tls`.
 */
export function tlsFor(host: string): ConnectionOptions {
  if (isLoopback(host)) return { rejectUnauthorized: false }
  return { rejectUnauthorized: true, ...(isIP(host) ? {} : { servername: host }) }
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  // 0.0.0.0 and :: as a destination mean this host (a listener bound to every address hands them out).
  if (bare === 'localhost' || bare === '::1' || bare === '::' || bare === '0.0.0.0') return true
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare
  return isIP(v4) === 4 && v4.startsWith('127.')
}
