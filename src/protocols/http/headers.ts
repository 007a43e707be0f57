// The request headers an HTTP-shaped engine forwards: hop-by-hop headers (RFC 9110 §7.6.1, and whatever
// `Connection` names) and every header the upstream could take as the caller's identity are removed, then
// the gateway's own upstream credential is added. Shared with the Kubernetes engine (which adds
// `Impersonate-*` of its own after this strip).
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import type { GrantSession } from './grant-sessions.ts'

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  // node's server answered 100-continue itself; the upstream gets the body without being asked.
  'expect',
])

/** Headers an upstream may read as who is calling or from where: only the gateway says that. */
const IDENTITY = new Set([
  'authorization',
  'cookie',
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'x-remote-user',
  'x-remote-group',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-access-token',
  'x-ssl-client-cert',
  'x-client-cert',
  'ssl-client-cert',
  'remote-user',
])
const IDENTITY_PREFIXES = [
  'x-forwarded-',
  'x-auth-',
  'x-user',
  'impersonate-',
  'x-remote-',
  'x-amzn-oidc-',
  'x-taskgate-',
]

/** Headers frameworks route on instead of the request line's path (IIS URL Rewrite and Laminas/Zend read
 * X-Original-URL / X-Rewrite-URL; Envoy and nginx set the others): a decision on `/v1/public` must not
 * become `/v1/admin` upstream. Only the gateway's request line says which path is asked for. */
const PATH_OVERRIDE = new Set(['x-original-url', 'x-rewrite-url', 'x-original-uri', 'x-envoy-original-path'])

/** Headers many frameworks (Express method-override, Symfony, Google APIs) run instead of the request
 * line's method: a decision on `GET` must not become a DELETE upstream. */
const METHOD_OVERRIDE = ['x-http-method-override', 'x-http-method', 'x-method-override']

/** Why a request carrying a method-override header is refused, or undefined. */
export function methodOverride(incoming: IncomingHttpHeaders): string | undefined {
  const name = METHOD_OVERRIDE.find((n) => incoming[n] !== undefined)
  return name && `the ${name} header would make the upstream run a method policy did not decide on`
}

/** Most headers a request may carry (node's own default is 2000). */
export const MAX_REQUEST_HEADERS = 200

export interface HeaderPolicy {
  /** More identity headers of this upstream (lower case), from the resource's `clients.stripHeaders`. */
  extraStrip: ReadonlySet<string>
}

export function isIdentityHeader(name: string, policy?: HeaderPolicy): boolean {
  return (
    IDENTITY.has(name) ||
    PATH_OVERRIDE.has(name) ||
    IDENTITY_PREFIXES.some((prefix) => name.startsWith(prefix)) ||
    policy?.extraStrip.has(name) === true
  )
}

/**
 * The headers to send upstream for a client request: hop-by-hop and identity headers dropped, `host` set to
 * the upstream's, `extra` (the upstream credential, Forwarded info) added last so a client cannot replace
 * them. Multi-valued headers keep node's joined form.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  rawHeaders: readonly string[],
  options: { host: string; policy?: HeaderPolicy; keepUpgrade?: boolean; extra?: OutgoingHttpHeaders },
): OutgoingHttpHeaders {
  const named = connectionTokens(incoming.connection)
  const out: OutgoingHttpHeaders = {}
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase()
    if (name === 'host' || name === 'content-length' || name in out) continue
    if (isIdentityHeader(name, options.policy)) continue
    if (HOP_BY_HOP.has(name) || named.has(name)) {
      if (!(options.keepUpgrade && name === 'upgrade')) continue
    }
    const value = incoming[name]
    if (value !== undefined) out[name] = value
  }
  // Node checked Content-Length (one value, digits) before the request got here; chunked bodies are
  // re-chunked by node toward the upstream.
  if (incoming['content-length'] !== undefined) out['content-length'] = incoming['content-length']
  if (options.keepUpgrade) out.connection = 'Upgrade'
  out.host = options.host
  return options.extra ? Object.assign(out, options.extra) : out
}

/** Response headers to send the client: hop-by-hop ones dropped (node sets its own framing). */
export function clientResponseHeaders(
  incoming: IncomingHttpHeaders,
  options: { drop?: readonly string[] } = {},
): OutgoingHttpHeaders {
  const named = connectionTokens(incoming.connection)
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue
    if (options.drop?.includes(name)) continue
    out[name] = value
  }
  return out
}

/** The header names a `Connection` header lists (lower case): hop-by-hop, a proxy removes them. */
export function connectionTokens(value: string | undefined): Set<string> {
  if (!value) return new Set()
  return new Set(
    value
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  )
}

/** Request headers worth recording: what the request asked for, never a credential or cookie. */
const RECORDED = ['content-type', 'content-length', 'accept', 'user-agent', 'transfer-encoding']

export function recordedHeaders(incoming: IncomingHttpHeaders): string {
  const lines: string[] = []
  for (const name of RECORDED) {
    const value = incoming[name]
    if (typeof value === 'string') lines.push(`${name}: ${value.slice(0, 200)}`)
  }
  return lines.join('\n')
}

/** What the gateway tells the upstream about the caller (the client's own such headers were stripped). */
export function addForwardedFor(
  headers: OutgoingHttpHeaders,
  req: IncomingMessage,
  session: GrantSession,
): void {
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? ''
  headers['x-forwarded-proto'] = 'https'
  headers['x-taskgate-grant'] = session.context.grant.id
  headers['x-taskgate-principal'] = encodeURIComponent(session.context.grant.principalName)
}
