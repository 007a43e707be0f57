// Tokens the gateway mints for people who signed in through a SAML IdP: SAML yields an assertion, not a
// bearer token, so after checking one the gateway issues its own short-lived token (a console session's,
// or a CLI token minted from the console). HS256 JWTs under identity.tokenSigningKey, with a `tgt_` prefix
// so they are never mistaken for an IdP's token or a service-account key.
import { randomBytes } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { TaskgateError } from '../errors.ts'
import type { Principal } from './principal.ts'

export const GATEWAY_TOKEN_PREFIX = 'tgt_'
const ISSUER = 'taskgate'
const AUDIENCE = 'taskgate-api'
/** Kept small: the groups travel in the token, and a bearer header has limits. */
const MAX_GROUPS = 200

export async function mintGatewayToken(
  key: string,
  principal: Principal,
  ttlSeconds: number,
  now: Date,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000)
  const jwt = await new SignJWT({ name: principal.name, groups: principal.groups.slice(0, MAX_GROUPS) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(principal.id)
    .setJti(randomBytes(12).toString('base64url'))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(keyBytes(key))
  return `${GATEWAY_TOKEN_PREFIX}${jwt}`
}

/** The Principal a `tgt_` token names, or TG_AUTH_INVALID (bad signature, expired, malformed). */
export async function verifyGatewayToken(key: string, token: string, now: Date): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token.slice(GATEWAY_TOKEN_PREFIX.length), keyBytes(key), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
    })
    const groups = payload.groups
    if (
      typeof payload.sub !== 'string' ||
      !payload.sub.startsWith('saml:') ||
      typeof payload.name !== 'string' ||
      !Array.isArray(groups) ||
      !groups.every((g) => typeof g === 'string')
    ) {
      throw new Error('unexpected claims')
    }
    return { id: payload.sub, kind: 'person', name: payload.name, groups, via: 'saml' }
  } catch (cause) {
    const expired = cause instanceof errors.JWTExpired
    throw new TaskgateError('TG_AUTH_INVALID', {
      message: expired
        ? 'This sign-in token has expired; sign in again (the console mints a new CLI token).'
        : 'The token is not valid.',
      cause,
    })
  }
}

function keyBytes(key: string): Uint8Array {
  if (key.length < 32) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: 'identity.tokenSigningKey must hold at least 32 characters (e.g. `openssl rand -base64 48`).',
    })
  }
  return new TextEncoder().encode(key)
}
