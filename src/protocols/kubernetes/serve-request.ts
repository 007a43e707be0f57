// One kubectl request: login (cached per token), classification as the API server reads it, the action
// gate's decision, then the request forwarded under the grant's impersonated identity, streaming both ways
// (watches and `logs -f` stay open until either side ends or the grant does). Responses the grant shows
// only part of (a list across namespaces, Secrets) are read and rewritten (rewrite-body.ts).
import type http from 'node:http'
import https from 'node:https'
import type { Logger } from 'pino'
import {
  type Action,
  type Core,
  type Decision,
  formatScope,
  type ScopeEntry,
  type SessionHandle,
  TaskgateError,
  toTaskgateError,
} from '../../core/index.ts'
import type { GrantSession, GrantSessions } from '../http/index.ts'
import { asksImpersonation, clientHeaders, type KubeUpstream, upstreamHeaders } from './back.ts'
import { classifyRequest } from './classify.ts'
import {
  denied,
  failure,
  grantEnded,
  impersonationRefused,
  type KubeStatus,
  tooManyRequests,
} from './errors.ts'
import { filterable, objectPolicy } from './object-policy.ts'
import type { RequestInfo } from './request-info.ts'
import { pipeCounted } from './response-budget.ts'
import { pipeRewritten } from './rewrite-body.ts'
import type { ObjectPolicy } from './rewrite-objects.ts'

export interface KubeServeContext {
  core: Core
  logger: Logger
  upstream: KubeUpstream
  sessions: GrantSessions
  /** exec/attach/port-forward streams open per grant id. */
  streams: Map<string, number>
  maxStreamsPerGrant: number
  /** Terminal recording bytes per session (resource.recording.maxBytes). */
  maxRecordingBytes: number
}

/** A grant's session as the Kubernetes engine uses it. */
export type KubeLogin = GrantSession

/** Logs in and counts the request in flight for its grant: a Status to answer with, or the login and the
 * function that ends the count. */
export async function admit(
  ctx: KubeServeContext,
  authorization: string | undefined,
  client: string,
  info: RequestInfo,
): Promise<{ status: KubeStatus } | { login: KubeLogin; release: () => void }> {
  let login: KubeLogin
  try {
    login = await ctx.sessions.login(authorization, client)
  } catch (error) {
    return { status: failure(toTaskgateError(error)) }
  }
  const release = ctx.sessions.acquire(login)
  if (!release) return { status: tooManyRequests(info) }
  return { login, release }
}

const WRITE_VERBS = new Set([
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'post',
  'put',
  'proxy',
])

export interface DecidedRequest {
  decision: Decision
  seq?: number
  action: Action
  /** Set when only part of the response is shown, or Secret values are masked. */
  policy?: ObjectPolicy
}

/** Decides a classified request for a login: filtered when a list across namespaces is partly covered. */
export async function decideRequest(
  ctx: Pick<KubeServeContext, 'core'>,
  login: KubeLogin,
  info: RequestInfo,
  action: Action,
  commandNeed?: ScopeEntry,
): Promise<DecidedRequest> {
  let act = action
  let filtered = false
  if (commandNeed && !action.unclassified) {
    // An exec is allowed by `create:pods/exec…` (any command) or by a per-command entry `exec:<pod>@<ns>:<cmd>`:
    // without the first it needs the second, which a denial names (the narrowest entry to ask for).
    const broad = ctx.core.decide(login.handle, action)
    if (broad.outcome === 'deny' && broad.code === 'TG_SCOPE_MISSING')
      act = { ...action, needs: [commandNeed] }
  }
  if (!action.unclassified && filterable(info, login.context.grant.scope)) {
    const whole = ctx.core.decide(login.handle, action)
    if (whole.outcome === 'deny' && whole.code === 'TG_SCOPE_MISSING') {
      filtered = true
      // Each object of the answer is decided instead (object-policy.ts); guardrails still see the request.
      act = { ...action, kind: `${action.kind} (filtered)`, needs: [] }
    }
  }
  const answer = await login.gate.decide({
    action: act,
    // Keyed by the whole request line too: a configured guardrail `pattern` reads it (a query flag, an exec
    // argument), so two requests alike in needs and traits may still be decided apart. A line cut short for
    // recording (over MAX_TEXT) is never cached.
    ...(filtered || act.text.endsWith('…')
      ? {}
      : { cacheKey: `${act.text}\n${formatScope(act.needs)}\n${act.traits.join(',')}` }),
    write: WRITE_VERBS.has(info.verb),
    start: true,
  })
  const policy = objectPolicy(ctx.core, login, info, filtered)
  return {
    decision: answer.decision,
    action: act,
    ...(answer.seq !== undefined ? { seq: answer.seq } : {}),
    ...(policy ? { policy } : {}),
  }
}

/** `kubectl --as`: recorded as refused, answered with a Status. */
export function refuseImpersonation(
  ctx: Pick<KubeServeContext, 'core'>,
  login: KubeLogin,
  info: RequestInfo,
  action: Action,
): KubeStatus {
  ctx.core.recordAction(login.handle, {
    kind: action.kind,
    text: action.text,
    outcome: 'deny',
    rule: 'impersonation',
    reason: 'the client asked to act as another identity (Impersonate-*)',
  })
  return impersonationRefused(info)
}

export function sendStatus(res: http.ServerResponse, status: KubeStatus): void {
  if (res.headersSent) return void res.destroy()
  const body = JSON.stringify(status)
  res.writeHead(status.code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

/** The Status of a decision that is not an allow. */
export function refusal(decision: Exclude<Decision, { outcome: 'allow' }>, info: RequestInfo): KubeStatus {
  if (decision.outcome === 'deny') return denied(decision, info)
  return denied(
    {
      outcome: 'deny',
      code: 'TG_FORBIDDEN',
      rule: decision.rule,
      reason: `${decision.reason} (waiting for an approval ended without one)`,
    },
    info,
  )
}

export async function serveRequest(
  ctx: KubeServeContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const client = `${req.socket.remoteAddress}:${req.socket.remotePort}`
  const { info, action, commandNeed } = classifyRequest(req.method ?? 'GET', req.url ?? '/')
  const admitted = await admit(ctx, req.headers.authorization, client, info)
  if ('status' in admitted) return sendStatus(res, admitted.status)
  const { login, release } = admitted
  res.on('close', release)
  if (asksImpersonation(req.headers)) return sendStatus(res, refuseImpersonation(ctx, login, info, action))
  const decided = await decideRequest(ctx, login, info, action, commandNeed)
  if (decided.decision.outcome !== 'allow') return sendStatus(res, refusal(decided.decision, info))
  forward(ctx, login, req, res, info, decided)
}

function forward(
  ctx: KubeServeContext,
  login: KubeLogin,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  info: RequestInfo,
  decided: DecidedRequest,
): void {
  const { upstream } = ctx
  const started = Date.now()
  const rewrite = decided.policy !== undefined
  const upstreamReq = https.request({
    host: upstream.host,
    port: upstream.port,
    agent: upstream.agent,
    method: req.method,
    path: req.url,
    headers: upstreamHeaders(upstream, req.headers, login.context.grant, { rewriteBody: rewrite }),
  })
  const cut = (reason: string) => {
    upstreamReq.destroy()
    if (!res.headersSent) sendStatus(res, grantEnded(reason))
    else res.destroy()
  }
  const onEnded = () => cut(String((login.signal.reason as Error | undefined)?.message ?? 'grant ended'))
  if (login.signal.aborted) {
    onEnded()
    return
  }
  login.signal.addEventListener('abort', onEnded, { once: true })
  let recorded = false
  const done = (error?: string) => {
    login.signal.removeEventListener('abort', onEnded)
    if (recorded) return
    recorded = true
    login.gate.recordOutcome(decided.seq, decided.action, {
      durationMs: Date.now() - started,
      ...(error ? { error } : {}),
    })
  }
  upstreamReq.on('socket', (s) => s.setNoDelay(true))
  upstreamReq.on('response', (upstreamRes) => {
    const status = upstreamRes.statusCode ?? 502
    relayResponse(upstreamRes, res, info, decided, { handle: login.handle, logger: ctx.logger }, (error) =>
      done(error ?? (status >= 400 ? `HTTP ${status}` : undefined)),
    )
  })
  upstreamReq.on('error', (error) => {
    ctx.logger.warn({ err: error.message }, 'API server request failed')
    done(error.message)
    if (!res.headersSent)
      sendStatus(res, failure(new TaskgateError('TG_UPSTREAM_UNAVAILABLE', { detail: error.message })))
    else res.destroy()
  })
  res.on('close', () => {
    if (!upstreamReq.writableFinished || !res.writableFinished) {
      upstreamReq.destroy()
      // The client left first (a watch or `logs -f` stopped): the outcome is still recorded.
      done('client closed')
    }
    login.signal.removeEventListener('abort', onEnded)
  })
  req.pipe(upstreamReq)
}

/** The API server's answer to the client: streamed as it is, or read and rewritten when the grant shows only
 * part of it (rewrite-body.ts). */
function relayResponse(
  upstreamRes: http.IncomingMessage,
  res: http.ServerResponse,
  info: RequestInfo,
  decided: DecidedRequest,
  session: { handle: SessionHandle; logger: Logger },
  ended: (error?: string) => void,
): void {
  res.on('close', () => upstreamRes.destroy())
  if (decided.policy) {
    const headers = clientHeaders(upstreamRes.headers, true)
    pipeRewritten(upstreamRes, res, { policy: decided.policy, watch: info.verb === 'watch', headers }, ended)
    return
  }
  res.writeHead(upstreamRes.statusCode ?? 502, clientHeaders(upstreamRes.headers, false))
  res.flushHeaders()
  pipeCounted(upstreamRes, res, session)
  upstreamRes.on('end', () => ended())
}
