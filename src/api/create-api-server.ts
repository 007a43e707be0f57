// The control-plane HTTP API: fastify with one route file per resource under routes/, authentication
// through core.authenticate (bearer, or a console session cookie), problem+json errors, optional HTTPS,
// and the web console's files at `/`.
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import type { Logger } from 'pino'
import { oidcSettings } from '../config/schema.ts'
import type { Core, Principal } from '../core/index.ts'
import { isTaskgateError, parseDurationSeconds, TaskgateError } from '../core/index.ts'
import { createRequestAuthenticator } from './console/authenticate-request.ts'
import { registerConsoleAuthRoutes } from './console/console-auth-routes.ts'
import { ConsoleSessions } from './console/console-sessions.ts'
import { OidcLogin } from './console/oidc-login.ts'
import { SamlLogin } from './console/saml-login.ts'
import { registerConsoleFiles } from './console/serve-console.ts'
import { MemorySharedState, type SharedState } from './console/shared-state.ts'
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem-json.ts'
import type { AnyRouteSpec, RouteSettings } from './route-spec.ts'
import { apiRoutes } from './routes/index.ts'
import { registerSlackInteractivity } from './routes/slack-interactivity.ts'
import { PeopleDirectory } from './slack/people-directory.ts'
import { zodValidatorCompiler } from './validate-input.ts'

export interface ApiServerOptions {
  core: Core
  logger: Logger
  listen: { host: string; port: number }
  /** PEM files; when present the API speaks HTTPS only. */
  tls?: { cert: string; key: string }
  /** The MCP endpoint (src/mcp/, passed in by main.ts), served at /mcp to authenticated principals. */
  mcp?: {
    handle(req: IncomingMessage, res: ServerResponse, principal: Principal, body: unknown): Promise<void>
    /** Sees each authenticated request as served (`taskgate mcp` names the tool call it is for). */
    auditToolCallRequest?(served: {
      principal: Principal
      method: string
      route: string
      headers: IncomingMessage['headers']
      params: unknown
      body: unknown
      statusCode: number
      payload: unknown
    }): Promise<void>
  }
  /** Prometheus metrics (prometheus-metrics.ts) at /metrics: open like the health routes unless a token
   * is set (the labels name only resources, rules, codes and notification targets). */
  metrics?: {
    contentType: string
    render(): Promise<string>
    /** `api.metricsToken`, resolved: scrapes must present it as a bearer token. */
    token?: string
  }
  /** The built web console (web/dist), served at `/`; without it `/` is a 404. */
  consoleDir?: string
  /** identity.tokenSigningKey and each SAML provider's spPrivateKey, resolved (main.ts reads the secrets). */
  identitySecrets?: { tokenSigningKey?: string; samlPrivateKeys: ReadonlyMap<string, string> }
  /** approvals.slack's signing secret, resolved: with it (and approvals.slack) POST /slack/interactivity
   * takes Approve/Deny presses from Slack. */
  slackSigningSecret?: string
  /** approvals.slack.directory.botToken, resolved: with it, Slack approvers are also found by e-mail. */
  slackBotToken?: string
  /** Where console sessions and sign-ins in flight live: the store's sharedState, so every gateway (or
   * worker) sharing the store shares them. Without it, this process's memory (one process only). */
  sharedState?: SharedState
  /** Shorter heartbeats and stream lifetimes for tests. */
  settings?: Partial<RouteSettings>
  /** Request spans (src/telemetry/, passed in by main.ts when traces are on): hooks added before any other. */
  tracing?: { traceApi(app: FastifyInstance, scheme: 'http' | 'https'): void }
}

const DEFAULT_SETTINGS: RouteSettings = { eventsHeartbeatMs: 15_000, eventsMaxStreamMs: 5 * 60_000 }

export interface ApiServer {
  listen(): Promise<{ url: string }>
  close(): Promise<void>
  /** The fastify instance, for tests that use `inject` without a socket. */
  readonly app: FastifyInstance
}

export function createApiServer(options: ApiServerOptions): ApiServer {
  const app = buildApiApp(options)
  return {
    app,
    async listen() {
      await app.listen({ host: options.listen.host, port: options.listen.port })
      const { port } = app.server.address() as AddressInfo
      return { url: `${options.tls ? 'https' : 'http'}://${hostForUrl(options.listen.host)}:${port}` }
    },
    close: () => app.close(),
  }
}

function buildApiApp(options: ApiServerOptions): FastifyInstance {
  const { core } = options
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'api' }),
    ...(options.tls ? { https: readTls(options.tls) } : {}),
    // request.ip: the client a trusted balancer names in X-Forwarded-For (the rightmost untrusted hop).
    ...(core.config.api.trustedProxies.length > 0 ? { trustProxy: [...core.config.api.trustedProxies] } : {}),
    // Request lines stay at debug: an operator's info log should not grow with every CLI poll.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance
  options.tracing?.traceApi(app, options.tls ? 'https' : 'http')
  app.setValidatorCompiler(zodValidatorCompiler)

  const settings: RouteSettings = { ...DEFAULT_SETTINGS, ...options.settings }
  const oidc = oidcSettings(core.config.identity)
  const sharedState = options.sharedState ?? new MemorySharedState()
  const oidcLogin = oidc ? new OidcLogin(oidc) : undefined
  const sessions = new ConsoleSessions(sharedState)
  const publicUrl = core.config.api.publicUrl
  const samlLogins = createSamlLogins(
    core,
    options,
    sharedState,
    () => publicUrl ?? listeningUrl(app, options),
  )
  const principalFor = createRequestAuthenticator({
    core,
    sessions,
    oidcLogin,
    publicOrigin: publicUrl ? new URL(publicUrl).origin : undefined,
  })
  const principals = new WeakMap<FastifyRequest, Principal>()
  const directory = core.config.approvals.slack?.directory
  const people = directory
    ? new PeopleDirectory(sharedState, parseDurationSeconds(directory.maxAge) * 1000)
    : undefined
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const principal = await principalFor(request)
    principals.set(request, principal)
    // What the IdP says about a person now, for Slack approvers found by e-mail; never delays the request.
    people?.remember(principal).catch((error: unknown) => {
      request.log.warn({ err: String(error) }, 'could not note the signed-in person for Slack approvals')
    })
  }

  app.addHook('onRequest', async (request) => {
    request.log.debug({ method: request.method, url: request.url }, 'request')
  })
  // Responses carry credentials and keys: no cache may keep them (the console's hashed assets say otherwise).
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
  })
  app.setErrorHandler((error, request, reply) => {
    const failure = asTaskgateError(error)
    if (failure.kind === 'internal') {
      request.log.error({ err: error, ref: failure.ref, detail: failure.detail }, 'internal error')
    } else {
      request.log.debug({ code: failure.code, detail: failure.detail }, 'request failed')
    }
    const problem = problemFor(failure)
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer')
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
  })
  const notFound = (reply: FastifyReply, method: string, path: string) =>
    reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send(
        problemFor(
          new TaskgateError('TG_NOT_FOUND', {
            message: `No route ${method} ${path}; GET /v1/openapi.json lists the API.`,
          }),
        ),
      )
  app.setNotFoundHandler((request, reply) =>
    notFound(reply, request.method, request.url.split('?')[0] ?? '/'),
  )

  for (const spec of apiRoutes)
    registerRoute(app, core, spec, spec.public ? undefined : authenticate, principals, settings)
  const metrics = options.metrics
  if (metrics)
    app.get('/metrics', async (request, reply) => {
      if (metrics.token !== undefined && !bearerMatches(request.headers.authorization, metrics.token)) {
        throw new TaskgateError('TG_AUTH_INVALID', {
          message: 'GET /metrics needs the bearer token configured as api.metricsToken.',
        })
      }
      return reply.type(metrics.contentType).send(await metrics.render())
    })
  // MCP streamable HTTP (POST messages, GET the SSE stream, DELETE the session): the transport writes the
  // raw response itself, after the same authentication as every route.
  const mcp = options.mcp
  // Runs before the reply leaves, so the entry precedes whatever the client does next.
  const auditToolCall = mcp?.auditToolCallRequest
  if (auditToolCall)
    app.addHook('onSend', async (request, reply, payload) => {
      const principal = principals.get(request)
      if (!principal) return
      await auditToolCall({
        principal,
        method: request.method,
        route: request.routeOptions.url ?? '',
        headers: request.headers,
        params: request.params,
        body: request.body,
        statusCode: reply.statusCode,
        payload,
      })
    })
  if (mcp)
    app.route({
      method: ['GET', 'POST', 'DELETE'],
      url: '/mcp',
      onRequest: authenticate,
      handler: async (request, reply) => {
        reply.hijack()
        await mcp.handle(request.raw, reply.raw, principals.get(request) as Principal, request.body)
      },
    })
  registerConsoleAuthRoutes(app, {
    core,
    sessions,
    oidcLogin,
    samlLogins,
    tokenKey: options.identitySecrets?.tokenSigningKey,
    publicUrl,
    secureCookies: Boolean(options.tls) || publicUrl?.startsWith('https:') === true,
  })
  const slack = core.config.approvals.slack
  if (slack && options.slackSigningSecret !== undefined)
    registerSlackInteractivity(app, {
      core,
      logger: options.logger.child({ component: 'slack' }),
      settings: slack,
      signingSecret: options.slackSigningSecret,
      publicUrl,
      ...(people && directory && options.slackBotToken !== undefined
        ? { directory: { people, slack: { apiUrl: directory.apiUrl, token: options.slackBotToken } } }
        : {}),
    })
  if (options.consoleDir) {
    registerConsoleFiles(
      app,
      options.consoleDir,
      (path) =>
        path === '/v1' || path.startsWith('/v1/') || path.startsWith('/auth/') || path.startsWith('/slack/'),
      (reply, path) => notFound(reply, 'GET', path),
    )
  }
  return app
}

function createSamlLogins(
  core: Core,
  options: ApiServerOptions,
  sharedState: SharedState,
  baseUrl: () => string,
) {
  const logins = new Map<string, SamlLogin>()
  for (const provider of core.config.identity.providers) {
    if (provider.kind !== 'saml') continue
    const key = options.identitySecrets?.samlPrivateKeys.get(provider.id)
    if (key === undefined) {
      throw new TaskgateError('TG_CONFIG_INVALID', {
        message: `identity.providers ${provider.id}: spPrivateKey was not read; the gateway cannot sign AuthnRequests.`,
      })
    }
    const { spPrivateKey: _ref, ...settings } = provider
    logins.set(provider.id, new SamlLogin({ ...settings, spPrivateKeyPem: key }, baseUrl, sharedState))
  }
  return logins
}

/** The URL the API listens at (SAML's entity id and ACS when api.publicUrl is not set). */
function listeningUrl(app: FastifyInstance, options: ApiServerOptions): string {
  const address = app.server.address() as AddressInfo | null
  if (!address) throw new TaskgateError('TG_INTERNAL', { detail: 'SAML used before the API listens' })
  return `${options.tls ? 'https' : 'http'}://${hostForUrl(options.listen.host)}:${address.port}`
}

function registerRoute(
  app: FastifyInstance,
  core: Core,
  spec: AnyRouteSpec,
  authenticate: ((request: FastifyRequest) => Promise<void>) | undefined,
  principals: WeakMap<FastifyRequest, Principal>,
  settings: RouteSettings,
): void {
  const schema: Record<string, unknown> = {}
  if (spec.params) schema.params = spec.params
  if (spec.query) schema.querystring = spec.query
  if (spec.body) schema.body = spec.body
  app.route({
    method: spec.method,
    url: spec.url,
    schema,
    // Authentication runs before body parsing and validation: an anonymous caller learns nothing
    // about the shape a route expects.
    ...(authenticate ? { onRequest: authenticate } : {}),
    handler: async (request, reply) =>
      spec.handler({
        core,
        principal: principals.get(request) as Principal,
        params: request.params,
        query: request.query,
        body: request.body,
        reply,
        request,
        settings,
      }),
  })
}

/** fastify's own 4xx errors (bad JSON, wrong content type, body too large) are the client's mistake;
 * anything else that is not a TaskgateError is a bug and stays behind a reference. */
function asTaskgateError(error: unknown): TaskgateError {
  if (isTaskgateError(error)) return error
  const status = (error as { statusCode?: number }).statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = (error as Error).message
    return new TaskgateError('TG_REQUEST_INVALID', {
      message: `The request is malformed: ${message}.`,
      cause: error,
    })
  }
  return new TaskgateError('TG_INTERNAL', { detail: String(error), cause: error })
}

function readTls(files: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(files.cert), key: readFileSync(files.key) }
  } catch (cause) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `api.tls: cannot read the certificate or key (${files.cert}, ${files.key}); check the paths.`,
      cause,
    })
  }
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

/** Constant-time comparison of `Authorization: Bearer <token>` with the expected token; an empty token (an
 * empty secret file) matches nothing. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1]
  if (!presented || token === '') return false
  const given = createHash('sha256').update(presented).digest()
  return timingSafeEqual(given, createHash('sha256').update(token).digest())
}
