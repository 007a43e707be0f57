// Console sign-in with the company IdP: OpenID Connect authorization code + PKCE, done by the server
// (backend-for-frontend). The browser only ever holds the session cookie; the code exchange, the tokens
// and their refresh stay here. The access token then goes through core.authenticate like any bearer,
// so the console gets exactly the rights the CLI would.
import { randomBytes } from 'node:crypto'
import * as oidc from 'openid-client'
import type { OidcConfig } from '../../config/schema.ts'
import { TaskgateError } from '../../core/index.ts'
import { seal, unsealBinding } from './shared-state.ts'

/** Kept in the browser that started, in its binding cookie (`<secret>.<sealed>`), sealed with the secret the
 * cookie also holds: any gateway can finish the sign-in, only that browser can, and starting one writes
 * nothing to the store (a stranger's flood of starts used to fill a store-wide cap and keep everyone out).
 * Each code is exchanged once: the IdP refuses a second exchange (RFC 6749 §4.1.2), and the cookie is
 * cleared when the sign-in completes. */
interface PendingLogin {
  state: string
  codeVerifier: string
  nonce: string
  redirectUri: string
  returnTo: string
  expiresAt: number
}

const PURPOSE = 'oidc sign-in'

export interface StartedLogin {
  authorizationUrl: string
  binding: string
}

export interface CompletedLogin {
  accessToken: string
  tokenExpiresAt?: number
  refreshToken?: string
  returnTo: string
}

const LOGIN_TTL_MS = 10 * 60 * 1000

export class OidcLogin {
  readonly #settings: OidcConfig
  #configuration: Promise<oidc.Configuration> | undefined

  constructor(settings: OidcConfig) {
    this.#settings = settings
  }

  async start(redirectUri: string, returnTo: string): Promise<StartedLogin> {
    const configuration = await this.#discover()
    const codeVerifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const nonce = oidc.randomNonce()
    const secret = randomBytes(24).toString('base64url')
    const expiresAt = Date.now() + LOGIN_TTL_MS
    const pending: PendingLogin = { state, codeVerifier, nonce, redirectUri, returnTo, expiresAt }
    const binding = `${secret}.${seal(secret, PURPOSE, pending)}`
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      // offline_access yields a refresh token, so a session outlives one short access token.
      scope: 'openid profile email groups offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      // RFC 8707: an access token for the gateway's audience, the one core.authenticate verifies.
      resource: this.#settings.audience,
    })
    return { authorizationUrl: url.href, binding }
  }

  async complete(callbackUrl: URL, binding: string | undefined): Promise<CompletedLogin> {
    const state = callbackUrl.searchParams.get('state') ?? ''
    const pending = unsealBinding<PendingLogin>(binding, PURPOSE)
    if (!pending || pending.state !== state || pending.expiresAt <= Date.now()) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message: 'This sign-in is unknown or expired, or was started in another browser; sign in again.',
      })
    }
    const configuration = await this.#discover()
    // The IdP redirected to our registered redirect URI; check the response against it, not against
    // whatever Host header this request came with.
    const current = new URL(pending.redirectUri)
    current.search = callbackUrl.search
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
      return { ...this.#fromTokens(tokens), returnTo: pending.returnTo }
    } catch (cause) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message: `The sign-in did not complete (${describeOidcError(cause)}); sign in again.`,
        cause,
      })
    }
  }

  async refresh(refreshToken: string): Promise<Omit<CompletedLogin, 'returnTo'>> {
    const configuration = await this.#discover()
    try {
      const tokens = await oidc.refreshTokenGrant(configuration, refreshToken, {
        resource: this.#settings.audience,
      })
      return { ...this.#fromTokens(tokens), refreshToken: tokens.refresh_token ?? refreshToken }
    } catch (cause) {
      throw new TaskgateError('TG_LOGIN_EXPIRED', {
        message: 'Your console session has expired; sign in again.',
        cause,
      })
    }
  }

  #fromTokens(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers) {
    const expiresIn = tokens.expiresIn()
    return {
      accessToken: tokens.access_token,
      ...(expiresIn !== undefined ? { tokenExpiresAt: Date.now() + expiresIn * 1000 } : {}),
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    }
  }

  #discover(): Promise<oidc.Configuration> {
    const s = this.#settings
    this.#configuration ??= oidc
      .discovery(new URL(s.issuer), s.consoleClientId ?? s.clientId, undefined, oidc.None(), {
        execute: s.allowInsecureHttp ? [oidc.allowInsecureRequests] : [],
      })
      .catch((cause: unknown) => {
        this.#configuration = undefined
        throw new TaskgateError('TG_IDP_UNAVAILABLE', {
          message: 'The identity provider cannot be reached; try again shortly.',
          cause,
        })
      })
    return this.#configuration
  }
}

function describeOidcError(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return `the IdP answered ${error.error}`
  if (error instanceof oidc.ResponseBodyError) return `the IdP refused the code: ${error.error}`
  return 'the IdP response did not check out'
}
