// A real OIDC provider (oidc-provider 9) on 127.0.0.1, port 0, plain http, as the test IdP:
// device flow for the public client `taskgate-cli`, client credentials for agent clients, JWT access
// tokens for the configured audience (RFC 8707 resource indicators + RFC 9068 token format), a `groups`
// claim in access tokens, and key rotation. The user step of the device flow (user-code page, login,
// consent) is driven over HTTP by approveDevice(), through a tiny interaction handler served here; for
// `webClients` (authorization code + PKCE) a browser gets a one-field sign-in form from the same handler.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import Provider, { errors, type KoaContext } from 'oidc-provider'

export interface TestUser {
  email?: string
  groups?: string[]
}

export interface TestAgentClient {
  clientId: string
  clientSecret: string
  /** Emitted as the groups claim of this client's client-credentials tokens. */
  groups?: string[]
}

export interface StartOidcOptions {
  /** accountId -> claims. */
  users?: Record<string, TestUser>
  /** Confidential clients allowed the client credentials grant. */
  clients?: TestAgentClient[]
  audience?: string
  /** The private signing JWK(s) to start with; share them to make two IdPs sign with the same key. */
  signingKeys?: JWK[]
  accessTokenTtlSeconds?: number
  /** Public clients allowed the authorization code flow (with PKCE), e.g. the web console. */
  webClients?: Array<{ clientId: string; redirectUris: string[] }>
  /** Where to listen (default 127.0.0.1, port 0). The issuer is http://127.0.0.1:<port> either way: the
   * compose quick start's IdP listens on every address of the gateway's network namespace. */
  listen?: { host: string; port: number }
}

export interface TokenSet {
  access_token: string
  refresh_token?: string
  id_token?: string
  expires_in: number
}

export interface TestOidcProvider extends AsyncDisposable {
  issuer: string
  url: string
  audience: string
  /** A second resource server: tokens for it carry another `aud`. */
  otherAudience: string
  /** The public device-flow client. */
  clientId: string
  /** Private signing keys, newest (the one signing) first. */
  signingKeys(): JWK[]
  /** The `kid` new tokens are signed with. */
  currentKid(): string
  /** An access token for `user`, obtained through the device flow. */
  token(user: string, options?: { resource?: string }): Promise<string>
  /** The whole token response of a device flow for `user` (access, refresh and ID token). */
  deviceTokens(user: string, options?: { resource?: string }): Promise<TokenSet>
  clientCredentialsToken(clientId: string, secret: string, options?: { resource?: string }): Promise<string>
  /** Does what the person at the browser does: enters the user code, logs in as `user`, consents. */
  approveDevice(userCode: string, user: string): Promise<void>
  /** Serves a new signing key (new `kid`) first; the old key stays published for tokens already out. */
  rotateKeys(): Promise<void>
}

export const CLI_CLIENT_ID = 'taskgate-cli'
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

export async function startOidcProvider(options: StartOidcOptions = {}): Promise<TestOidcProvider> {
  const users = options.users ?? {}
  const agents = options.clients ?? []
  const suffix = randomBytes(4).toString('hex')
  const audience = options.audience ?? `https://taskgate-${suffix}.test/api`
  const otherAudience = `https://other-${suffix}.test/api`
  let keys = options.signingKeys ?? [await newSigningKey()]
  // One store for every provider instance of this IdP, so grants and refresh tokens survive rotateKeys().
  const store = new Map<string, { payload: Record<string, unknown>; expiresAt: number }>()

  let provider: Provider | undefined
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const server = createServer((req, res) => {
    if (!provider || !handle) return void res.writeHead(503).end()
    if (req.url?.startsWith('/interaction/')) {
      approveInteraction(provider, users, req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error))
      })
      return
    }
    handle(req, res)
  })
  const listen = options.listen ?? { host: '127.0.0.1', port: 0 }
  await new Promise<void>((resolve) => server.listen(listen.port, listen.host, resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const build = () => {
    provider = buildProvider(url, {
      users,
      agents,
      webClients: options.webClients ?? [],
      audience,
      otherAudience,
      keys,
      store,
      ttl: options.accessTokenTtlSeconds,
    })
    handle = provider.callback()
  }
  build()

  const deviceTokens = async (user: string, opts: { resource?: string } = {}): Promise<TokenSet> => {
    const started = await postForm(`${url}/device/auth`, {
      client_id: CLI_CLIENT_ID,
      scope: 'openid offline_access email profile groups',
      resource: opts.resource ?? audience,
    })
    await approveDevice(url, String(started.user_code), user)
    const tokens = await postForm(`${url}/token`, {
      grant_type: DEVICE_GRANT,
      device_code: String(started.device_code),
      client_id: CLI_CLIENT_ID,
    })
    return tokens as unknown as TokenSet
  }

  return {
    issuer: url,
    url,
    audience,
    otherAudience,
    clientId: CLI_CLIENT_ID,
    signingKeys: () => keys,
    currentKid: () => String(keys[0]?.kid),
    deviceTokens,
    token: async (user, opts) => (await deviceTokens(user, opts)).access_token,
    async clientCredentialsToken(clientId, secret, opts = {}) {
      const body = await postForm(
        `${url}/token`,
        { grant_type: 'client_credentials', resource: opts.resource ?? audience },
        { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      )
      return String(body.access_token)
    },
    approveDevice: (userCode, user) => approveDevice(url, userCode, user),
    async rotateKeys() {
      // oidc-provider fixes its keystore at construction: a new instance takes over the same port and
      // issuer. Its in-memory adapter is module-wide, so grants and refresh tokens carry over.
      keys = [await newSigningKey(), ...keys]
      build()
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  return {
    ...(await exportJWK(privateKey)),
    kid: `k-${randomBytes(6).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  }
}

interface BuildOptions {
  users: Record<string, TestUser>
  agents: TestAgentClient[]
  webClients: Array<{ clientId: string; redirectUris: string[] }>
  audience: string
  otherAudience: string
  keys: JWK[]
  store: AdapterStore
  ttl: number | undefined
}

function buildProvider(issuer: string, o: BuildOptions): Provider {
  const resources = new Set([o.audience, o.otherAudience])
  const accessTokenTTL = o.ttl ?? 300
  const page = async (ctx: KoaContext, form: string) => {
    ctx.body = `<!doctype html><html><body>${form}</body></html>`
  }
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLI_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: [DEVICE_GRANT, 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
      ...o.agents.map((agent) => ({
        client_id: agent.clientId,
        client_secret: agent.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      })),
      ...o.webClients.map((web) => ({
        client_id: web.clientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: web.redirectUris,
      })),
    ],
    jwks: { keys: o.keys },
    adapter: adapterOver(o.store),
    cookies: { keys: ['taskgate-test-idp-cookie-key'] },
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email'], profile: ['preferred_username'], groups: ['groups'] },
    ttl: {
      AccessToken: accessTokenTTL,
      ClientCredentials: accessTokenTTL,
      DeviceCode: 600,
      Grant: 86_400,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86_400,
      Session: 86_400,
    },
    async findAccount(_ctx: unknown, accountId: string) {
      const user = o.users[accountId]
      if (!user) return undefined
      return {
        accountId,
        claims: async () => ({
          sub: accountId,
          email: user.email,
          preferred_username: accountId,
          groups: user.groups,
        }),
      }
    },
    // RFC 9068 access tokens carry no profile claims by default; IdPs add them by mapper (Keycloak,
    // Okta, Entra), and the gateway reads groups and a display name from the access token.
    async extraTokenClaims(_ctx: unknown, token: { accountId?: string; clientId?: string }) {
      if (token.accountId) {
        const user = o.users[token.accountId]
        return { groups: user?.groups ?? [], email: user?.email, preferred_username: token.accountId }
      }
      const agent = o.agents.find((a) => a.clientId === token.clientId)
      return agent?.groups ? { groups: agent.groups } : undefined
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: page,
        userCodeConfirmSource: page,
        successSource: async (ctx: KoaContext) => page(ctx, '<p>signed in</p>'),
      },
      resourceIndicators: {
        enabled: true,
        // Refresh and device-code token requests repeat no `resource`; they get the one granted.
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx: unknown, resource: string) {
          if (!resources.has(resource)) throw new errors.InvalidTarget()
          return { scope: 'taskgate', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL }
        },
      },
    },
    renderError: async (ctx: KoaContext, out: Record<string, string>) => {
      ctx.body = `<!doctype html><pre>${out.error}: ${out.error_description}</pre>`
    },
  })
  // Device-authorization responses without `interval` make clients wait 5 s between polls (RFC 8628
  // §3.2); advertising 1 s keeps device-flow tests fast. oidc-provider does not enforce slow_down.
  provider.use(async (ctx, next) => {
    await next()
    if (ctx.path === '/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...ctx.body, interval: 1 }
    }
  })
  return provider
}

type AdapterStore = Map<string, { payload: Record<string, unknown>; expiresAt: number }>

/** oidc-provider's storage interface over one Map (its own memory adapter is per instance). */
function adapterOver(store: AdapterStore) {
  return class MapAdapter {
    readonly model: string
    constructor(model: string) {
      this.model = model
    }
    #get(key: string) {
      const entry = store.get(key)
      if (entry && entry.expiresAt <= Date.now()) store.delete(key)
      else return entry?.payload
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number) {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY
      store.set(`${this.model}:${id}`, { payload, expiresAt })
      if (typeof payload.uid === 'string') store.set(`uid:${payload.uid}`, { payload: { id }, expiresAt })
      if (typeof payload.userCode === 'string') {
        store.set(`userCode:${payload.userCode}`, { payload: { id }, expiresAt })
      }
    }
    async find(id: string) {
      return this.#get(`${this.model}:${id}`)
    }
    async findByUid(uid: string) {
      return this.#get(`${this.model}:${this.#get(`uid:${uid}`)?.id}`)
    }
    async findByUserCode(userCode: string) {
      return this.#get(`${this.model}:${this.#get(`userCode:${userCode}`)?.id}`)
    }
    async consume(id: string) {
      const payload = this.#get(`${this.model}:${id}`)
      if (payload) payload.consumed = Math.floor(Date.now() / 1000)
    }
    async destroy(id: string) {
      store.delete(`${this.model}:${id}`)
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of store) if (entry.payload.grantId === grantId) store.delete(key)
    }
  }
}

/** The interaction endpoint: logs in the account named by `?user=` and grants what the client asked. */
async function approveInteraction(
  provider: Provider,
  users: Record<string, TestUser>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? ''
  const details = await provider.interactionDetails(req, res)
  if (details.prompt.name === 'login' && !user) {
    // A browser (the console's sign-in) arrives without ?user=: the person types a user name here.
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(
      `<!doctype html><html lang="en"><head><title>Test IdP sign-in</title></head><body><form method="get" action="/interaction/${details.uid}"><label for="user">User</label><input id="user" name="user" autocomplete="username"><button type="submit">Sign in</button></form></body></html>`,
    )
    return
  }
  if (details.prompt.name === 'login') {
    if (!users[user]) return void res.writeHead(403).end(`unknown user ${user}`)
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: user } },
      { mergeWithLastSubmission: false },
    )
  }
  const accountId = details.session?.accountId ?? user
  const grant = details.grantId
    ? ((await provider.Grant.find(details.grantId)) ??
      new provider.Grant({ accountId, clientId: details.params.client_id }))
    : new provider.Grant({ accountId, clientId: details.params.client_id })
  const missing = details.prompt.details
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims)
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '))
  }
  const grantId = await grant.save()
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
}

/** Drives the browser side of the device flow over HTTP with a small cookie jar. */
async function approveDevice(base: string, userCode: string, user: string): Promise<void> {
  const jar = new Map<string, string>()
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await fetch(new URL(path, base), { ...init, headers, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const at = pair.indexOf('=')
      jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
    return response
  }
  const form = await (await request(`/device?user_code=${encodeURIComponent(userCode)}`)).text()
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1]
  if (!xsrf) throw new Error(`device page without xsrf token: ${form.slice(0, 200)}`)
  let response = await request('/device', {
    method: 'POST',
    body: new URLSearchParams({ xsrf, user_code: userCode, confirm: 'yes' }),
  })
  for (let hop = 0; hop < 10 && response.status >= 300 && response.status < 400; hop++) {
    const location = new URL(response.headers.get('location') ?? '', base)
    if (location.pathname.startsWith('/interaction/')) location.searchParams.set('user', user)
    await response.body?.cancel()
    response = await request(location.pathname + location.search)
  }
  const text = await response.text()
  if (response.status !== 200 || !text.includes('signed in')) {
    throw new Error(`device approval failed (${response.status}): ${text.slice(0, 300)}`)
  }
}

async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(form), headers })
  const body = (await response.json()) as Record<string, unknown>
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`)
  return body
}
