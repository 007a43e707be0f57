// Validates OIDC bearer tokens (RFC 9068 JWT access tokens, or ID tokens) from the configured issuer and
// turns them into a Principal. Keys come from the issuer's JWKS; an unknown `kid` refetches it (key
// rotation), at most once per cooldown so random kids cannot make us hammer the IdP.
import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose'
import type { Clock } from '../clock.ts'
import { TaskgateError } from '../errors.ts'
import { createDiscovery } from './oidc-discovery.ts'
import type { Principal } from './principal.ts'

export interface OidcVerifierOptions {
  issuer: string
  /** Expected `aud`. */
  audience: string
  /** Claim holding groups: an array or a space-separated string; a dotted path reaches nested claims. */
  groupsClaim: string
  clockToleranceSeconds: number
  /** Allows an http issuer and jwks_uri; for loopback tests only. */
  allowInsecureHttp: boolean
  fetch?: typeof fetch
  /** Least time between JWKS refetches caused by an unknown `kid`; jose's default is 30 s. */
  jwksCooldownMs?: number
}

export interface OidcVerifier {
  /** The Principal the token names; throws TG_TOKEN_INVALID (with the reason) or TG_IDP_UNAVAILABLE. */
  verify(token: string): Promise<Principal>
}

// Asymmetric only: with HS* the "key" would be a secret shared with every relying party, and a verifier
// that accepts HS256 can be fooled with the public RSA key used as an HMAC secret; `none` is no signature.
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

export function createOidcVerifier(options: OidcVerifierOptions, clock: Clock): OidcVerifier {
  const issuerUrl = URL.canParse(options.issuer) ? new URL(options.issuer) : undefined
  if (
    !issuerUrl ||
    !(issuerUrl.protocol === 'https:' || (options.allowInsecureHttp && issuerUrl.protocol === 'http:'))
  ) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      detail: `auth.oidc.issuer: expected an https URL (http only with allowInsecureHttp), got ${options.issuer}`,
    })
  }
  const fetchImpl = options.fetch ?? fetch
  const discover = createDiscovery(
    { issuer: options.issuer, allowInsecureHttp: options.allowInsecureHttp, fetch: fetchImpl },
    clock,
  )
  let keys: JWTVerifyGetKey | undefined

  const keySet = async (): Promise<JWTVerifyGetKey> => {
    if (keys) return keys
    const { jwksUri } = await discover()
    const remote = createRemoteJWKSet(jwksUri, {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      [customFetch]: fetchImpl,
    })
    keys = async (header, token) => {
      try {
        return await remote(header, token)
      } catch (error) {
        throw isJwksFetchFailure(error)
          ? new TaskgateError('TG_IDP_UNAVAILABLE', {
              detail: `JWKS ${jwksUri.href}: ${String(error)}`,
              cause: error,
            })
          : error
      }
    }
    return keys
  }

  return {
    async verify(token) {
      // Garbage needs no trip to the IdP.
      if (typeof token !== 'string' || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) throw invalid('malformed')
      const getKey = await keySet()
      const now = clock.now()
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(token, getKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ALGORITHMS,
          clockTolerance: options.clockToleranceSeconds,
          currentDate: now,
          requiredClaims: ['exp'],
        }))
      } catch (error) {
        throw error instanceof TaskgateError ? error : tokenError(error, options)
      }
      // jose checks `iat` only with maxTokenAge; a token minted in the future means a wrong clock or a forgery.
      if (
        typeof payload.iat === 'number' &&
        payload.iat > now.getTime() / 1000 + options.clockToleranceSeconds
      ) {
        throw invalid('issued-in-future')
      }
      return principalFromClaims(payload, options.groupsClaim)
    },
  }
}

/** Person or agent: a client-credentials token names no user (`sub` absent or equal to the client id). */
export function principalFromClaims(payload: JWTPayload, groupsClaim: string): Principal {
  const clientId = stringClaim(payload, 'client_id') ?? stringClaim(payload, 'azp')
  const sub = payload.sub || undefined
  const groups = groupsFrom(readClaim(payload, groupsClaim))
  if (!sub || sub === clientId) {
    if (!clientId) throw invalid('no-subject')
    return { id: `oidc:${sub ?? clientId}`, kind: 'agent', name: clientId, groups, via: 'oidc' }
  }
  const name = stringClaim(payload, 'email') ?? stringClaim(payload, 'preferred_username') ?? sub
  return { id: `oidc:${sub}`, kind: 'person', name, groups, via: 'oidc' }
}

function stringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = payload[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** A top-level claim, or a dotted path into nested ones (Keycloak's `realm_access.roles`). */
function readClaim(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name]
  let value: unknown = payload
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[part]
  }
  return value
}

function groupsFrom(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '')
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean)
  return []
}

function isJwksFetchFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true // network errors from fetch
  return (
    error.code === 'ERR_JOSE_GENERIC' ||
    error.code === 'ERR_JWKS_TIMEOUT' ||
    error.code === 'ERR_JWKS_INVALID'
  )
}

type Reason =
  | 'malformed'
  | 'expired'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'no-expiry'
  | 'bad-signature'
  | 'unknown-key'
  | 'alg-not-allowed'
  | 'no-subject'
  | 'claim-invalid'

const MESSAGES: Record<Reason, string> = {
  malformed: 'The token is malformed: expected a signed JWT (header.payload.signature).',
  expired: 'The token has expired; obtain a new one (`taskgate login`).',
  'wrong-audience': 'The token was issued for another audience; request a token for this gateway.',
  'wrong-issuer': 'The token was issued by another issuer; use a token from the configured IdP.',
  'not-yet-valid':
    'The token is not valid yet (nbf in the future); check the clocks of the IdP and this host.',
  'issued-in-future': 'The token is issued in the future (iat); check the clocks of the IdP and this host.',
  'no-expiry': 'The token has no expiry (exp); only expiring tokens are accepted.',
  'bad-signature':
    "The token signature does not verify with the IdP's keys; obtain a new token from your IdP.",
  'unknown-key': 'The token is signed with a key the IdP does not publish (unknown kid); obtain a new token.',
  'alg-not-allowed':
    'The token signing algorithm is not allowed; the IdP must sign with an asymmetric one (RS256, ES256, EdDSA, ...).',
  'no-subject': 'The token names neither a subject (sub) nor a client (client_id).',
  'claim-invalid': 'The token has an invalid claim; obtain a new token from your IdP.',
}

function invalid(reason: Reason, cause?: unknown, extra = ''): TaskgateError {
  const detail = `oidc token rejected: ${reason}${cause instanceof Error ? `: ${cause.message}` : ''}${extra}`
  return new TaskgateError('TG_TOKEN_INVALID', { message: MESSAGES[reason], detail, cause })
}

function tokenError(error: unknown, options: OidcVerifierOptions): TaskgateError {
  if (error instanceof errors.JWTExpired) return invalid('expired', error)
  if (error instanceof errors.JWTClaimValidationFailed) {
    const expected =
      error.claim === 'aud'
        ? ` (expected ${options.audience})`
        : error.claim === 'iss'
          ? ` (expected ${options.issuer})`
          : ''
    if (error.claim === 'aud') return invalid('wrong-audience', error, expected)
    if (error.claim === 'iss') return invalid('wrong-issuer', error, expected)
    if (error.claim === 'nbf') return invalid('not-yet-valid', error)
    if (error.claim === 'exp') return invalid('no-expiry', error)
    return invalid('claim-invalid', error)
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('bad-signature', error)
  if (error instanceof errors.JWKSNoMatchingKey) return invalid('unknown-key', error)
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid('alg-not-allowed', error)
  return invalid('malformed', error)
}
