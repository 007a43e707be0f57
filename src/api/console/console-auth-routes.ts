// The console's sign-in endpoints (outside /v1: they set cookies and redirect, which API clients never
// need): sign in with a key, with the IdP (authorization code + PKCE), read the session, sign out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Core } from '../../core/index.ts'
import { TaskgateError } from '../../core/index.ts'
import { toPrincipalDto } from '../dto.ts'
import { checkCsrf, requestOrigin, SESSION_COOKIE, sessionOf } from './authenticate-request.ts'
import type { ConsoleSessions } from './console-sessions.ts'
import { readCookie, serializeCookie } from './cookies.ts'
import type { OidcLogin } from './oidc-login.ts'
import type { SamlLogin } from './saml-login.ts'
import { registerSamlRoutes } from './saml-routes.ts'

const LOGIN_COOKIE = 'tg_login'
const CALLBACK_PATH = '/auth/callback'

export interface ConsoleAuthOptions {
  core: Core
  sessions: ConsoleSessions
  oidcLogin: OidcLogin | undefined
  /** SAML providers by id (identity.providers). */
  samlLogins: ReadonlyMap<string, SamlLogin>
  /** identity.tokenSigningKey, resolved: signs the tokens minted after a SAML sign-in. */
  tokenKey: string | undefined
  /** config.api.publicUrl: the origin people reach the console at (redirect URI base). */
  publicUrl: string | undefined
  secureCookies: boolean
}

const keyBody = z.strictObject({ key: z.string().trim().min(1).max(4096) })

export function registerConsoleAuthRoutes(app: FastifyInstance, o: ConsoleAuthOptions): void {
  const publicOrigin = o.publicUrl ? new URL(o.publicUrl).origin : undefined
  const sessionCookie = (value: string, maxAgeSeconds: number) =>
    serializeCookie(SESSION_COOKIE, value, { sameSite: 'Strict', secure: o.secureCookies, maxAgeSeconds })

  app.get('/auth/config', async () => ({
    oidc: o.oidcLogin !== undefined,
    saml: [...o.samlLogins.values()].map((l) => ({
      id: l.settings.id,
      label: l.settings.label ?? l.settings.id,
    })),
  }))
  registerSamlRoutes(app, {
    core: o.core,
    sessions: o.sessions,
    logins: o.samlLogins,
    tokenKey: o.tokenKey,
    publicOrigin,
    secureCookies: o.secureCookies,
    sessionCookie,
    continueTo,
    safeReturnTo,
  })

  app.get('/auth/session', async (request) => {
    const session = await sessionOf(request, o.sessions)
    if (!session) throw new TaskgateError('TG_AUTH_MISSING', { message: 'Not signed in.' })
    const principal = await o.core.authenticate(session.token).catch(async (cause: unknown) => {
      await o.sessions.delete(session.id)
      throw new TaskgateError('TG_AUTH_INVALID', {
        message: 'Your session is no longer valid; sign in again.',
        cause,
      })
    })
    return { principal: toPrincipalDto(principal), csrfToken: session.csrfToken }
  })

  // A key sign-in is a JSON POST: a cross-site form cannot send that content type and a cross-site fetch
  // would need a CORS preflight we never grant, so nobody can sign a victim in as someone else (login CSRF).
  app.post('/auth/key', { schema: { body: keyBody } }, async (request, reply) => {
    assertSameOrigin(request, publicOrigin)
    const { key } = request.body as z.infer<typeof keyBody>
    const principal = await o.core
      .authenticate(key, { channel: 'console', client: request.ip })
      .catch((cause: unknown) => {
        throw new TaskgateError('TG_AUTH_INVALID', { message: 'That key is not valid.', cause })
      })
    const session = await o.sessions.create({ token: key })
    reply.header('set-cookie', sessionCookie(session.id, o.sessions.maxAgeSeconds))
    return { principal: toPrincipalDto(principal), csrfToken: session.csrfToken }
  })

  app.post('/auth/logout', async (request, reply) => {
    const session = await sessionOf(request, o.sessions)
    if (session) {
      checkCsrf(request, session, publicOrigin)
      await o.sessions.delete(session.id)
    }
    reply.header('set-cookie', sessionCookie('', 0))
    return reply.code(204).send()
  })

  app.get('/auth/login', async (request, reply) => {
    if (!o.oidcLogin) {
      throw new TaskgateError('TG_NOT_FOUND', {
        message: 'No identity provider is configured; sign in with a key.',
      })
    }
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).returnTo)
    const base = o.publicUrl ? o.publicUrl.replace(/\/+$/, '') : requestOrigin(request)
    const started = await o.oidcLogin.start(`${base}${CALLBACK_PATH}`, returnTo)
    // Lax (not Strict): it must come back on the IdP's cross-site redirect to the callback.
    reply.header(
      'set-cookie',
      serializeCookie(LOGIN_COOKIE, started.binding, {
        sameSite: 'Lax',
        secure: o.secureCookies,
        path: CALLBACK_PATH,
        maxAgeSeconds: 600,
      }),
    )
    return reply.redirect(started.authorizationUrl, 302)
  })

  app.get(CALLBACK_PATH, async (request, reply) => {
    const clearLogin = serializeCookie(LOGIN_COOKIE, '', {
      sameSite: 'Lax',
      secure: o.secureCookies,
      path: CALLBACK_PATH,
      maxAgeSeconds: 0,
    })
    try {
      if (!o.oidcLogin) throw new TaskgateError('TG_NOT_FOUND')
      const url = new URL(request.url, requestOrigin(request))
      const done = await o.oidcLogin.complete(url, readCookie(request.headers.cookie, LOGIN_COOKIE))
      await o.core.authenticate(done.accessToken, { channel: 'console', client: request.ip })
      const session = await o.sessions.create({
        token: done.accessToken,
        ...(done.tokenExpiresAt !== undefined ? { tokenExpiresAt: done.tokenExpiresAt } : {}),
        ...(done.refreshToken ? { refreshToken: done.refreshToken } : {}),
      })
      reply.header('set-cookie', [clearLogin, sessionCookie(session.id, o.sessions.maxAgeSeconds)])
      return continueTo(reply, done.returnTo)
    } catch (error) {
      request.log.info({ err: String(error) }, 'console sign-in failed')
      const message =
        error instanceof TaskgateError && error.kind !== 'internal'
          ? error.clientMessage
          : 'The sign-in did not complete; sign in again.'
      reply.header('set-cookie', clearLogin)
      return continueTo(reply, `/signin?error=${encodeURIComponent(message)}`)
    }
  })
}

/**
 * Answers the IdP's redirect with a page that navigates on. A redirect would keep the navigation
 * cross-site, and the browser would withhold the new SameSite=Strict session cookie from it.
 */
function continueTo(reply: FastifyReply, path: string) {
  const target = escapeHtml(path)
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>Signing in…</title></head><body><p><a href="${target}">Continue to the console</a></p></body></html>`,
    )
}

/** Only paths on this origin: `//evil.example` and `https://…` would make an open redirect. A browser reads
 * the value with the WHATWG URL parser, which drops tabs and line breaks anywhere (`/<TAB>/evil.example` is
 * `//evil.example` to it): the value is read the same way here, and only its path, query and fragment on this
 * origin are kept, re-serialised (so no control character or quote reaches the page). */
function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2048 || !value.startsWith('/')) return '/'
  const base = 'http://return-to.invalid'
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    return '/'
  }
  if (url.origin !== base) return '/'
  const path = `${url.pathname}${url.search}${url.hash}`
  // Kept in the sign-in's binding cookie (with the rest, under a browser's 4 KiB per cookie).
  return path.length <= 2048 && /^\/(?![/\\])/.test(path) ? path : '/'
}

function assertSameOrigin(request: FastifyRequest, publicOrigin: string | undefined): void {
  const origin = request.headers.origin
  if (origin !== undefined && origin !== requestOrigin(request) && origin !== publicOrigin)
    throw new TaskgateError('TG_CSRF_INVALID', { detail: `origin ${origin}` })
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
