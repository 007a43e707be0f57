// `taskgate login`: OAuth 2.0 device authorization grant (RFC 8628) against the company IdP, so a person
// logs in from a terminal (or over SSH) with the browser of any device. Tokens go to the credentials file;
// loadStoredToken() hands a current access token to the other commands, refreshing it when needed.
import { parseArgs } from 'node:util'
import { decodeJwt } from 'jose'
import * as oidc from 'openid-client'
import { isTaskgateError, TaskgateError } from '../../core/index.ts'
import { credentialsPath, readCredentials, type StoredCredentials, writeCredentials } from '../token-store.ts'

export interface LoginIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  env?: NodeJS.ProcessEnv
  /** Aborts polling (Ctrl-C). */
  signal?: AbortSignal
}

interface OidcSettings {
  issuer: string
  clientId: string
  audience?: string
}

const DEFAULT_API = 'http://127.0.0.1:8470'
const DEFAULT_SCOPE = 'openid profile email offline_access'
/** Refresh this long before `exp`, so a token does not expire between load and use. */
const EXPIRY_MARGIN_MS = 30_000

const USAGE = `Usage: taskgate login [--issuer URL --client-id ID] [--audience AUD] [--api URL] [--scope SCOPES]

Logs in with the device flow: open the printed URL on any device, enter the code, sign in.
Without --issuer/--client-id the settings come from the gateway (GET <api>/v1/auth/oidc); flags win.
--api defaults to $TASKGATE_API or ${DEFAULT_API}. Tokens are stored in
$XDG_CONFIG_HOME/taskgate/credentials.json (default ~/.config/taskgate), readable only by you.
`

export async function loginCommand(args: string[], io: LoginIo): Promise<number> {
  const env = io.env ?? process.env
  let flags: ReturnType<typeof parseLoginArgs>
  try {
    flags = parseLoginArgs(args)
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (flags.help) {
    io.stdout.write(USAGE)
    return 0
  }
  try {
    const settings = await resolveSettings(flags, env)
    const config = await discover(settings)
    const started = await oidc.initiateDeviceAuthorization(config, {
      scope: flags.scope ?? DEFAULT_SCOPE,
      // RFC 8707: ask for an access token whose `aud` is this gateway.
      ...(settings.audience ? { resource: settings.audience } : {}),
    })
    io.stderr.write(
      `To log in, open ${started.verification_uri} and enter the code ${started.user_code}\n` +
        (started.verification_uri_complete ? `(or open ${started.verification_uri_complete})\n` : '') +
        'Waiting for you to sign in...\n',
    )
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, started, undefined, { signal: io.signal })
    const stored = toStored(settings, tokens)
    const path = credentialsPath(env)
    await writeCredentials(path, stored)
    io.stdout.write(`Logged in to ${settings.issuer} as ${displayName(tokens)}; credentials in ${path}\n`)
    return 0
  } catch (error) {
    const failure = loginError(error, 'TG_LOGIN_FAILED')
    // Unlike the gateway's clients, the person at this terminal is the one who fixes the IdP URL: say why.
    const why = failure.kind === 'unavailable' && failure.detail ? ` (${failure.detail})` : ''
    io.stderr.write(`taskgate login: ${failure.clientMessage}${why}\n`)
    return 1
  }
}

/**
 * A current access token from the stored login, refreshed (and re-stored) when it is about to expire.
 * Throws TG_AUTH_MISSING without a login, TG_LOGIN_EXPIRED when it cannot be refreshed.
 */
export async function loadStoredToken(
  options: { env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Promise<string> {
  const path = credentialsPath(options.env ?? process.env)
  const stored = await readCredentials(path)
  if (!stored) throw new TaskgateError('TG_AUTH_MISSING', { detail: `no credentials at ${path}` })
  const nowMs = (options.now?.() ?? new Date()).getTime()
  if (Date.parse(stored.expiresAt) - EXPIRY_MARGIN_MS > nowMs) return stored.accessToken
  if (!stored.refreshToken)
    throw new TaskgateError('TG_LOGIN_EXPIRED', { detail: 'access token expired, no refresh token' })
  try {
    const config = await discover(stored)
    // `resource` again: IdPs that do not keep the granted resource would otherwise mint a token for another audience.
    const tokens = await oidc.refreshTokenGrant(
      config,
      stored.refreshToken,
      stored.audience ? { resource: stored.audience } : undefined,
    )
    const refreshed = {
      ...toStored(stored, tokens, nowMs),
      refreshToken: tokens.refresh_token ?? stored.refreshToken,
    }
    refreshed.idToken ??= stored.idToken
    await writeCredentials(path, refreshed)
    return refreshed.accessToken
  } catch (error) {
    throw loginError(error, 'TG_LOGIN_EXPIRED')
  }
}

function parseLoginArgs(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      audience: { type: 'string' },
      api: { type: 'string' },
      scope: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  return {
    issuer: values.issuer,
    clientId: values['client-id'],
    audience: values.audience,
    api: values.api,
    scope: values.scope,
    help: values.help ?? false,
  }
}

async function resolveSettings(
  flags: ReturnType<typeof parseLoginArgs>,
  env: NodeJS.ProcessEnv,
): Promise<OidcSettings> {
  if (flags.issuer && flags.clientId)
    return { issuer: flags.issuer, clientId: flags.clientId, audience: flags.audience }
  const api = flags.api ?? env.TASKGATE_API ?? DEFAULT_API
  const url = new URL('/v1/auth/oidc', api)
  let response: Response
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
      message: `Cannot reach the gateway at ${api} to find its IdP; pass --api, or --issuer and --client-id.`,
      cause: error,
    })
  }
  const body = (await response.json().catch(() => ({}))) as Partial<OidcSettings>
  if (!response.ok || typeof body.issuer !== 'string' || typeof body.clientId !== 'string') {
    throw new TaskgateError('TG_NOT_FOUND', {
      message: `The gateway at ${api} names no OIDC identity provider (HTTP ${response.status}); pass --issuer and --client-id, or, when you sign in through SAML, take a CLI token from the console (Account → Get a CLI token) and export it as TASKGATE_TOKEN.`,
    })
  }
  return {
    issuer: flags.issuer ?? body.issuer,
    clientId: flags.clientId ?? body.clientId,
    audience: flags.audience ?? body.audience,
  }
}

async function discover(settings: OidcSettings): Promise<oidc.Configuration> {
  const issuer = new URL(settings.issuer)
  // Plain http only to this machine (test IdPs, local development): tokens never cross a network unencrypted.
  const loopbackHttp =
    issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)
  return oidc.discovery(issuer, settings.clientId, undefined, oidc.None(), {
    execute: loopbackHttp ? [oidc.allowInsecureRequests] : [],
  })
}

function toStored(
  settings: OidcSettings,
  tokens: oidc.TokenEndpointResponse,
  nowMs = Date.now(),
): StoredCredentials {
  // Without expires_in, a JWT's own `exp` tells; an opaque token without either gets five minutes.
  const expiresInSeconds = tokens.expires_in ?? jwtSecondsLeft(tokens.access_token, nowMs) ?? 300
  return {
    issuer: settings.issuer,
    clientId: settings.clientId,
    ...(settings.audience ? { audience: settings.audience } : {}),
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
    expiresAt: new Date(nowMs + expiresInSeconds * 1000).toISOString(),
  }
}

function jwtSecondsLeft(token: string, nowMs: number): number | undefined {
  try {
    const { exp } = decodeJwt(token)
    return typeof exp === 'number' ? exp - nowMs / 1000 : undefined
  } catch {
    return undefined
  }
}

/** For the message only: who the IdP says logged in (the gateway verifies tokens itself). */
function displayName(tokens: oidc.TokenEndpointResponse): string {
  for (const token of [tokens.id_token, tokens.access_token]) {
    try {
      const claims = token ? decodeJwt(token) : {}
      const name = claims.email ?? claims.preferred_username ?? claims.sub
      if (typeof name === 'string') return name
    } catch {}
  }
  return 'you'
}

function loginError(error: unknown, rejected: 'TG_LOGIN_FAILED' | 'TG_LOGIN_EXPIRED'): TaskgateError {
  if (isTaskgateError(error)) return error
  // The IdP answered with an OAuth error (access_denied, expired_token, invalid_grant): the login is over.
  if (error instanceof oidc.ResponseBodyError) {
    return new TaskgateError(rejected, {
      detail: `${error.error}: ${error.error_description ?? ''}`,
      cause: error,
    })
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new TaskgateError('TG_LOGIN_FAILED', {
      detail: 'polling aborted or the device code expired',
      cause: error,
    })
  }
  return new TaskgateError('TG_IDP_UNAVAILABLE', { detail: String(error), cause: error })
}
