// Who is calling: a bearer token (CLI, agents, scripts) or a console session cookie. Cookie requests that
// change state must also carry the session's CSRF token in x-csrf-token and, when the browser sends an
// Origin, come from the console's own origin (SameSite=Strict cookies are the first line; this is the
// second). Either way the token ends in core.authenticate: the console has no rights of its own.
import type { FastifyRequest } from 'fastify'
import type { Core, Principal } from '../../core/index.ts'
import { TaskgateError } from '../../core/index.ts'
import { type ConsoleSession, type ConsoleSessions, sameSecret } from './console-sessions.ts'
import { readCookie } from './cookies.ts'
import type { OidcLogin } from './oidc-login.ts'

export const SESSION_COOKIE = 'tg_session'
export const CSRF_HEADER = 'x-csrf-token'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Refresh an OIDC access token this long before it expires. */
const REFRESH_MARGIN_MS = 30_000

export interface RequestAuthenticatorOptions {
  core: Core
  sessions: ConsoleSessions
  oidcLogin: OidcLogin | undefined
  /** The console's origin(s) for the Origin check; the request's own origin is always accepted. */
  publicOrigin: string | undefined
}

export function createRequestAuthenticator(o: RequestAuthenticatorOptions) {
  return async function principalFor(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization
    if (header) return o.core.authenticate(bearerToken(header), { channel: 'api', client: request.ip })
    const session = await sessionOf(request, o.sessions)
    if (!session) throw new TaskgateError('TG_AUTH_MISSING')
    if (!SAFE_METHODS.has(request.method)) checkCsrf(request, session, o.publicOrigin)
    const current = await refreshIfDue(session, o)
    return o.core.authenticate(current.token)
  }
}

export function sessionOf(
  request: FastifyRequest,
  sessions: ConsoleSessions,
): Promise<ConsoleSession | undefined> {
  return sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE))
}

export function checkCsrf(request: FastifyRequest, session: ConsoleSession, publicOrigin?: string): void {
  const origin = request.headers.origin
  if (origin !== undefined && origin !== requestOrigin(request) && origin !== publicOrigin) {
    throw new TaskgateError('TG_CSRF_INVALID', { detail: `origin ${origin}` })
  }
  const token = request.headers[CSRF_HEADER]
  if (!sameSecret(typeof token === 'string' ? token : undefined, session.csrfToken))
    throw new TaskgateError('TG_CSRF_INVALID')
}

/** `https://host:port` as this request reached us (fastify's `host` includes the port). */
export function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

// Requests of one page arrive together; in this process they share one refresh, since an IdP may rotate
// refresh tokens. Another gateway may refresh the same session at the same moment: the loser's refresh
// fails, and it then finds the winner's fresh token in the store.
const refreshing = new Map<string, Promise<ConsoleSession>>()

async function refreshIfDue(
  session: ConsoleSession,
  o: RequestAuthenticatorOptions,
): Promise<ConsoleSession> {
  if (!isDue(session)) return session
  let pending = refreshing.get(session.id)
  if (!pending) {
    pending = refresh(session, o).finally(() => refreshing.delete(session.id))
    refreshing.set(session.id, pending)
  }
  return pending
}

const isDue = (s: ConsoleSession) =>
  s.tokenExpiresAt !== undefined && s.tokenExpiresAt - REFRESH_MARGIN_MS <= Date.now()

async function refresh(session: ConsoleSession, o: RequestAuthenticatorOptions): Promise<ConsoleSession> {
  if (!session.refreshToken || !o.oidcLogin) {
    await o.sessions.delete(session.id)
    throw new TaskgateError('TG_LOGIN_EXPIRED', {
      message: 'Your console session has expired; sign in again.',
    })
  }
  try {
    const fresh = await o.oidcLogin.refresh(session.refreshToken)
    const next = { ...session, ...fresh }
    await o.sessions.update(next)
    return next
  } catch (error) {
    const stored = await o.sessions.get(session.id)
    if (stored && !isDue(stored)) return stored
    await o.sessions.delete(session.id)
    throw error
  }
}

export function bearerToken(header: string): string {
  const match = /^Bearer +(\S+) *$/i.exec(header)
  if (!match) {
    throw new TaskgateError('TG_AUTH_INVALID', {
      message: 'The Authorization header must be "Bearer <token>"; log in again or use a current key.',
    })
  }
  return match[1]!
}
