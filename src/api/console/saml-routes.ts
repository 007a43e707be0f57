// SAML sign-in endpoints, one set per provider: SP metadata at a stable URL (it is also the SP's entity id),
// the start of a sign-in (a signed AuthnRequest by redirect), the ACS the IdP posts its response to, and
// POST /auth/cli-token, where a person signed in through SAML has the console mint a short-lived token for
// the `taskgate` CLI (SAML has no device flow; README "Identity providers").
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Core } from '../../core/index.ts'
import { formPairs, mintGatewayToken, TaskgateError } from '../../core/index.ts'
import { checkCsrf, sessionOf } from './authenticate-request.ts'
import type { ConsoleSessions } from './console-sessions.ts'
import { readCookie, serializeCookie } from './cookies.ts'
import { MAX_SAML_RESPONSE_CHARS, type SamlLogin } from './saml-login.ts'

const LOGIN_COOKIE = 'tg_saml_login'
/** A CLI token lives an hour: long enough for a task, short enough that a leaked one soon stops working. */
const CLI_TOKEN_TTL_SECONDS = 60 * 60

export interface SamlRoutesOptions {
  core: Core
  sessions: ConsoleSessions
  logins: ReadonlyMap<string, SamlLogin>
  /** identity.tokenSigningKey, resolved. */
  tokenKey: string | undefined
  publicOrigin: string | undefined
  secureCookies: boolean
  sessionCookie(value: string, maxAgeSeconds: number): string
  continueTo(reply: FastifyReply, path: string): FastifyReply
  safeReturnTo(value: unknown): string
}

export function registerSamlRoutes(app: FastifyInstance, o: SamlRoutesOptions): void {
  const loginFor = (id: unknown): SamlLogin => {
    const login = typeof id === 'string' ? o.logins.get(id) : undefined
    if (!login) throw new TaskgateError('TG_NOT_FOUND', { message: 'No SAML identity provider by that id.' })
    return login
  }
  // The binding cookie must come back on the IdP's cross-site POST to the ACS: SameSite=None (which needs
  // Secure) over https; over plain http (loopback tests) Lax, which same-site IdPs still receive.
  const bindingCookie = (id: string, value: string, maxAgeSeconds: number) =>
    serializeCookie(LOGIN_COOKIE, value, {
      sameSite: o.secureCookies ? 'None' : 'Lax',
      secure: o.secureCookies,
      path: `/auth/saml/${id}/acs`,
      maxAgeSeconds,
    })

  app.get('/auth/saml/:id/metadata', async (request, reply) => {
    const login = loginFor((request.params as { id?: unknown }).id)
    return reply.type('application/samlmetadata+xml').send(login.metadata())
  })

  app.get('/auth/saml/:id/login', async (request, reply) => {
    const login = loginFor((request.params as { id?: unknown }).id)
    const returnTo = o.safeReturnTo((request.query as Record<string, unknown>).returnTo)
    const started = await login.start(returnTo)
    reply.header('set-cookie', bindingCookie(login.settings.id, started.binding, 600))
    return reply.redirect(started.redirectUrl, 302)
  })

  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: MAX_SAML_RESPONSE_CHARS + 4096 },
      (_request, body, done) => done(null, body),
    )
    scope.post('/auth/saml/:id/acs', async (request, reply) => {
      const login = loginFor((request.params as { id?: unknown }).id)
      const clear = bindingCookie(login.settings.id, '', 0)
      try {
        if (o.tokenKey === undefined) throw new TaskgateError('TG_NOT_FOUND')
        // Read in linear time: URLSearchParams alone is quadratic in pairs without `=` (an unauthenticated POST).
        const form = formPairs(typeof request.body === 'string' ? request.body : '')
        const done = await login.complete(
          {
            SAMLResponse: form.get('SAMLResponse') ?? undefined,
            RelayState: form.get('RelayState') ?? undefined,
          },
          readCookie(request.headers.cookie, LOGIN_COOKIE),
        )
        const ttlSeconds = o.sessions.maxAgeSeconds
        const token = await mintGatewayToken(o.tokenKey, done.principal, ttlSeconds, o.core.clock.now())
        // Through core like every sign-in: audited as login.succeeded, rate-limited, fail closed.
        await o.core.authenticate(token, { channel: 'console', client: request.ip })
        const session = await o.sessions.create({ token })
        reply.header('set-cookie', [clear, o.sessionCookie(session.id, ttlSeconds)])
        return o.continueTo(reply, done.returnTo)
      } catch (error) {
        request.log.info(
          { err: String(error), detail: error instanceof TaskgateError ? error.detail : undefined },
          'SAML sign-in failed',
        )
        const message =
          error instanceof TaskgateError && error.kind !== 'internal'
            ? error.clientMessage
            : 'The sign-in did not complete; sign in again.'
        reply.header('set-cookie', clear)
        return o.continueTo(reply, `/signin?error=${encodeURIComponent(message)}`)
      }
    })
  })

  app.post('/auth/cli-token', async (request) => {
    const session = await sessionOf(request, o.sessions)
    if (!session) throw new TaskgateError('TG_AUTH_MISSING', { message: 'Not signed in.' })
    checkCsrf(request, session, o.publicOrigin)
    const principal = await o.core.authenticate(session.token)
    if (principal.via !== 'saml' || o.tokenKey === undefined) {
      throw new TaskgateError('TG_FORBIDDEN', {
        message:
          'Only a SAML sign-in gets a CLI token from the console; with OIDC run `taskgate login`, with a key use the key.',
      })
    }
    const now = o.core.clock.now()
    const token = await mintGatewayToken(o.tokenKey, principal, CLI_TOKEN_TTL_SECONDS, now)
    return { token, expiresAt: new Date(now.getTime() + CLI_TOKEN_TTL_SECONDS * 1000).toISOString() }
  })
}
