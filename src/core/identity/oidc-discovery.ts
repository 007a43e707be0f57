// OpenID Connect Discovery (openid.net/specs/openid-connect-discovery-1_0.html §4) for the verifier: the
// document is fetched once and cached for the life of the process; JWKS freshness is jose's job. A failed
// fetch is retried on a later request, after a backoff, so a flapping IdP is not hammered per request.
import type { Clock } from '../clock.ts'
import { TaskgateError } from '../errors.ts'

export interface DiscoveryDocument {
  issuer: string
  jwksUri: URL
}

export interface DiscoveryOptions {
  issuer: string
  allowInsecureHttp: boolean
  fetch: typeof fetch
  timeoutMs?: number
}

const FIRST_BACKOFF_MS = 1_000
const MAX_BACKOFF_MS = 60_000

/** Returns a getter that yields the cached discovery document or throws TG_IDP_UNAVAILABLE. */
export function createDiscovery(options: DiscoveryOptions, clock: Clock): () => Promise<DiscoveryDocument> {
  let document: DiscoveryDocument | undefined
  let pending: Promise<DiscoveryDocument> | undefined
  let failures = 0
  let retryAtMs = 0
  let lastFailure = ''

  return async () => {
    if (document) return document
    if (pending) return pending
    const nowMs = clock.now().getTime()
    if (nowMs < retryAtMs) {
      throw new TaskgateError('TG_IDP_UNAVAILABLE', {
        detail: `discovery for ${options.issuer} failed ${failures}x, next try in ${retryAtMs - nowMs} ms: ${lastFailure}`,
      })
    }
    pending = fetchDiscovery(options)
    try {
      document = await pending
      failures = 0
      return document
    } catch (error) {
      failures++
      retryAtMs = clock.now().getTime() + Math.min(FIRST_BACKOFF_MS * 2 ** (failures - 1), MAX_BACKOFF_MS)
      lastFailure = error instanceof TaskgateError ? (error.detail ?? error.message) : String(error)
      throw error
    } finally {
      pending = undefined
    }
  }
}

async function fetchDiscovery(options: DiscoveryOptions): Promise<DiscoveryDocument> {
  const url = `${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
  const unavailable = (detail: string, cause?: unknown) =>
    new TaskgateError('TG_IDP_UNAVAILABLE', { detail: `${url}: ${detail}`, cause })
  let body: unknown
  try {
    const response = await options.fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    })
    if (response.status !== 200) {
      await response.body?.cancel()
      throw unavailable(`HTTP ${response.status}`)
    }
    body = await response.json()
  } catch (error) {
    if (error instanceof TaskgateError) throw error
    throw unavailable(String(error), error)
  }
  const doc = body as { issuer?: unknown; jwks_uri?: unknown } | null
  // §4.3: the issuer in the document MUST be identical to the one configured, or tokens would be
  // checked against keys of someone else's choosing.
  if (doc?.issuer !== options.issuer) {
    throw unavailable(`document names issuer ${JSON.stringify(doc?.issuer)}, expected ${options.issuer}`)
  }
  if (typeof doc.jwks_uri !== 'string' || !URL.canParse(doc.jwks_uri)) throw unavailable('no valid jwks_uri')
  const jwksUri = new URL(doc.jwks_uri)
  if (jwksUri.protocol !== 'https:' && !(options.allowInsecureHttp && jwksUri.protocol === 'http:')) {
    throw unavailable(`jwks_uri ${jwksUri.href} is not https (allowInsecureHttp is off)`)
  }
  return { issuer: doc.issuer, jwksUri }
}
