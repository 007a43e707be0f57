// The TLS a data-path client uses toward a resource's taskgate listener (every kind's client: the same rule).
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'

/**
 * Always TLS: every taskgate listener offers it, and a resource may refuse clients without it
 * (`clients.requireTls`, or `authMethod: password`, which sends the credential in clear).
 * When the listener's certificate is one the gateway generated, the credential carries it
 * (`certificateAuthority`): verify the listener against exactly that certificate and the name dialled,
 * wherever it is — a process that took the port while the gateway restarted must not collect the password.
 * A configured certificate is verified against Node's CA store (extended by NODE_EXTRA_CA_CERTS) with the
 * host name (verify-full), except on a loopback address, where a certificate issued for the service's
 * public name cannot name the address dialled: there it is encrypt-only (psql's sslmode=require).
 */
export function tlsFor(host: string, certificateAuthority?: string): ConnectionOptions {
  const servername = isIP(host.replace(/^\[|\]$/g, '')) ? {} : { servername: host }
  if (certificateAuthority) return { rejectUnauthorized: true, ca: certificateAuthority, ...servername }
  if (isLoopback(host)) return { rejectUnauthorized: false }
  return { rejectUnauthorized: true, ...servername }
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  // 0.0.0.0 and :: as a destination mean this host (a listener bound to every address hands them out).
  if (bare === 'localhost' || bare === '::1' || bare === '::' || bare === '0.0.0.0') return true
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare
  return isIP(v4) === 4 && v4.startsWith('127.')
}
