// Console sign-in with the company IdP: OpenID Connect authorization code + PKCE, done by the server
// (backend-for-frontend). The browser only ever holds the session cookie; the code exchange, the tokens
// and their refresh stay here. The access token then goes through core.authenticate like any bearer,
// so the console gets exactly the rights the CLI would.
import { randomBytes } from 'node:crypto'
import * as oidc from 'openid-client'
import type { OidcConfig } from '../../config/schema.ts'
import { TaskgateError } from '../../core/index.ts'
import { keyFor, type SharedState, seal, unseal } from './shared-state.ts'

/** Kept in the store (any gateway may receive the callback), sealed with the binding: a cookie on the
 * browser that started, so a callback is only accepted from that browser and the store alone cannot
 * finish the sign-in. */
interface PendingLogin {
  codeVerifier: string
  nonce: string
  redirectUri: string
  returnTo: string
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
const MAX_PENDING = 10_000

export class OidcLogin {
  readonly #settings: OidcConfig
  readonly #state: SharedState
  #configuration: Promise<oidc.Configuration> | undefined

  constructor(settings: OidcConfig, state: SharedState) {
    this.#settings = settings
    this.#state = state
  }

  async start(redirectUri: string, returnTo: string): Promise<StartedLogin> {
    const configuration = await this.#discover()
    const now = new Date()
    if ((await this.#state.count('oidc_login', now)) >= MAX_PENDING) {
      throw new TaskgateError('TG_LOGIN_FAILED', {
        message: 'Too many sign-ins in progress; try again shortly.',
      })
    }
    const codeVerifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const nonce = oidc.randomNonce()
    const binding = randomBytes(24).toString('base64url')
    const pending: PendingLogin = { codeVerifier, nonce, redirectUri, returnTo }
    const expiresAt = new Date(now.getTime() + LOGIN_TTL_MS)
    await this.#state.put(
      'oidc_login',
      keyFor(state, PURPOSE),
      seal(binding, PURPOSE, pending),
      expiresAt,
      now,
    )
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
    // Taken (read and deleted in one statement): a callback is used once, on whichever gateway it reaches.
    const sealed = state
      ? await this.#state.take('oidc_login', keyFor(state, PURPOSE), new Date())
      : undefined
    const pending =
      sealed !== undefined && binding ? unseal<PendingLogin>(binding, PURPOSE, sealed) : undefined
    if (!pending) {
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
