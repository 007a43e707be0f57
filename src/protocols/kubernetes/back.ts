// The API server side: one keep-alive HTTPS agent with the gateway's own credential (bearer token and/or
// client certificate) and the headers every forwarded request carries: the grant's identity as
// Impersonate-User / Impersonate-Group, never anything of the client's that names an identity or a hop.
import { readFile } from 'node:fs/promises'
import type http from 'node:http'
import https from 'node:https'
import type { KubernetesResourceConfig, SecretRef } from '../../config/schema.ts'
import type { Grant } from '../../core/index.ts'
import { connectionTokens, isIdentityHeader } from '../http/index.ts'

export interface KubeUpstream {
  host: string
  port: number
  agent: https.Agent
  /** The gateway's own Authorization value, when it uses a token. */
  authorization?: string
  groups: readonly string[]
}

export async function createUpstream(
  resource: KubernetesResourceConfig,
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>,
): Promise<KubeUpstream> {
  const url = new URL(resource.target.server)
  const { caFile, token, clientCert } = resource.target
  const [ca, cert, key] = await Promise.all([
    caFile ? readFile(caFile) : undefined,
    clientCert ? readFile(clientCert.cert) : undefined,
    clientCert ? readFile(clientCert.key) : undefined,
  ])
  const secret = token ? await resolveSecret(token, `resources.${resource.id}.target.token`) : undefined
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 443),
    agent: new https.Agent({
      keepAlive: true,
      maxSockets: 512,
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
    }),
    ...(secret ? { authorization: `Bearer ${secret}` } : {}),
    groups: resource.impersonate.groups,
  }
}

/** Hop-by-hop headers (RFC 9110 7.6.1) plus what names an identity: never forwarded as the client sent them. */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'authorization',
  'host',
])

/** Whether the client asks to act as someone else (kubectl --as, --as-group, --as-uid, Impersonate-Extra-*). */
export function asksImpersonation(headers: http.IncomingHttpHeaders): boolean {
  return Object.keys(headers).some((name) => name.startsWith('impersonate-'))
}

/** The identity the API server sees for a grant (its RBAC and audit log name it). */
export const grantUser = (grant: Grant): string => `taskgate:grant:${grant.id}`

/** Headers of a request forwarded under `grant`; `upgrade`: keep Connection/Upgrade (exec, port-forward). */
export function upstreamHeaders(
  upstream: KubeUpstream,
  headers: http.IncomingHttpHeaders,
  grant: Grant,
  options: { upgrade?: boolean; rewriteBody?: boolean } = {},
): http.OutgoingHttpHeaders {
  // What the client's Connection names is hop-by-hop too (RFC 9110 7.6.1), bar the body's framing.
  const named = connectionTokens(headers.connection)
  named.delete('content-length')
  const out: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    // X-Remote-User/-Group/-Extra-* are the API server's front-proxy identity (requestheader): read only from
    // a front-proxy certificate, but never the client's to set, whatever certificate the gateway holds.
    if (value === undefined || DROPPED.has(name) || named.has(name) || isIdentityHeader(name)) continue
    out[name] = value
  }
  if (options.upgrade) {
    out.connection = 'Upgrade'
    if (headers.upgrade) out.upgrade = headers.upgrade
  }
  if (options.rewriteBody) {
    // The gateway reads this response (filters items, masks Secrets): JSON, uncompressed.
    delete out['accept-encoding']
    out.accept = withoutProtobuf(named.has('accept') ? undefined : headers.accept)
  }
  out.host = `${upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host}:${upstream.port}`
  if (upstream.authorization) out.authorization = upstream.authorization
  out['impersonate-user'] = grantUser(grant)
  out['impersonate-group'] = [...upstream.groups]
  return out
}

/** The client's Accept without protobuf media types (kubectl asks for JSON Tables; client-go may ask for
 * protobuf, which the gateway does not decode). */
function withoutProtobuf(accept: string | undefined): string {
  const kept = (accept ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t && !t.toLowerCase().includes('protobuf'))
  return kept.length > 0 ? kept.join(',') : 'application/json'
}

/** Response headers sent back to the client: the server's, minus hop-by-hop ones (and those its Connection names). */
export function clientHeaders(
  headers: http.IncomingHttpHeaders,
  rewritten: boolean,
): http.OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection)
  const out: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name) || named.has(name)) continue
    if (rewritten && (name === 'content-length' || name === 'content-encoding')) continue
    out[name] = value
  }
  return out
}
