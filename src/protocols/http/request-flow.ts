// One client request on an HTTP resource, start to end: bearer login (grant-sessions.ts), the grant's
// in-flight bound, the target normalised (a target with two readings is an unclassified action, denied
// by core), the body read when a body rule needs it, the decision through the kit's action gate (held for
// a person when a rule says so, recorded), then the normalised request forwarded with the gateway's
// credential and the response streamed or masked back. Every failure answers problem+json.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import type { Logger } from 'pino'
import { type Action, type Core, type Decision, toTaskgateError } from '../../core/index.ts'
import {
  bodyKind,
  bodyMethodOverrides,
  formFields,
  hasBody,
  mayCarryMethodOverride,
  parseJsonOnce,
  prefixed,
  readBounded,
} from './bodies.ts'
import { classifyRequest, METHOD_OVERRIDE_HEADERS, redactTarget } from './classify.ts'
import { forwardRequest, isTimeout, type Upstream } from './forward.ts'
import type { GrantSession, GrantSessions } from './grant-sessions.ts'
import { addForwardedFor, type HeaderPolicy, methodOverride, upstreamRequestHeaders } from './headers.ts'
import { normalizeTarget, type PathParameters, UnnormalizablePath } from './normalize-path.ts'
import {
  approvalProblem,
  deniedProblem,
  errorProblem,
  type HttpProblem,
  problem,
  problemOnSocket,
  sendProblem,
} from './problem.ts'
import { recordExchange, requestRecordText } from './record.ts'
import { sendResponse } from './respond.ts'
import { relayUpgrade } from './upgrade.ts'
import { WebSocketRecorder } from './websocket-recorder.ts'

export interface HttpFlowOptions {
  core: Core
  logger: Logger
  sessions: GrantSessions
  upstream: Upstream
  /** Headers the gateway adds upstream (its credential); a client's own of the same name never passes. */
  credentialHeaders: OutgoingHttpHeaders
  headerPolicy: HeaderPolicy
  pathParameters: PathParameters
  /** A guardrail on this resource reads JSON body fields: bodies are read (bounded) before deciding. */
  inspectBodies: boolean
  maxInspectBytes: number
  maxMaskBytes: number
}

const READ_ONLY = new Set(['GET', 'HEAD', 'OPTIONS'])

interface Decided {
  action: Action
  target: string
  /** The body when inspection read it (whole, or a prefix followed by the rest of the stream). */
  body: Buffer | Readable | undefined
  seq?: number
}

/** A method-override header, several of them joined (then not a method: unclassified, denied). */
function methodOverrideOf(req: IncomingMessage): { methodOverride?: string } {
  const values = METHOD_OVERRIDE_HEADERS.map((name) => req.headers[name]).filter((v) => v !== undefined)
  return values.length === 0 ? {} : { methodOverride: values.join(',') }
}

interface Inspected {
  /** What body rules read; absent when none is in force (the body was read for `_method` only). */
  facts?: { json: unknown; text: string } | 'uninspected'
  body?: Buffer | Readable
  /** `_method` values of a POST body, or `unread` when it could not be read whole (denied). */
  bodyMethods?: string[] | 'unread'
}

export class HttpRequestFlow {
  readonly #o: HttpFlowOptions

  constructor(options: HttpFlowOptions) {
    this.#o = options
  }

  async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = await this.#login(req, (p) => sendProblem(res, p, { connection: 'close' }))
    if (!session) return
    const release = this.#o.sessions.acquire(session)
    if (!release) {
      sendProblem(
        res,
        problem(
          429,
          'TG_TOO_MANY_REQUESTS',
          "this grant's requests in flight are at the resource's limit (clients.maxConcurrentPerGrant)",
        ),
      )
      return
    }
    try {
      await this.#serve(session, req, res)
    } finally {
      release()
    }
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (p: HttpProblem): void => void socket.end(problemOnSocket(p))
    const session = await this.#login(req, refuse)
    if (!session) return
    const release = this.#o.sessions.acquire(session)
    if (!release)
      return refuse(
        problem(429, 'TG_TOO_MANY_REQUESTS', "this grant's requests in flight are at the resource's limit"),
      )
    try {
      const decided = await this.#decide(session, req, undefined)
      if ('problem' in decided) return refuse(decided.problem)
      const started = Date.now()
      const headers = this.#headers(req, true, undefined, false, session)
      // No extension offered: permessage-deflate frames could not be read, recorded or masked.
      delete headers['sec-websocket-extensions']
      const line = `${req.method} ${decided.target}`
      const relay = await relayUpgrade(this.#o.upstream, {
        req,
        client: socket,
        head,
        target: decided.target,
        headers,
        signal: session.signal,
        websocket: {
          handle: session.handle,
          logger: this.#o.logger,
          masking: session.masking,
          maxMaskBytes: this.#o.maxMaskBytes,
          recorder: new WebSocketRecorder(this.#o.core, session.handle, session.masking, line.slice(0, 512)),
        },
      })
      const { sent, received, status } = await relay.done
      recordExchange(this.#o.core, session, decided, {
        durationMs: Date.now() - started,
        requestBytes: sent,
        response: { status, bytes: received, contentType: '', sample: '' },
      })
    } catch (error) {
      refuse(this.#failure(error))
    } finally {
      release()
    }
  }

  async #login(req: IncomingMessage, refuse: (p: HttpProblem) => void): Promise<GrantSession | undefined> {
    const client = () => `${req.socket.remoteAddress}:${req.socket.remotePort}`
    try {
      return await this.#o.sessions.login(req.headers.authorization, client)
    } catch (error) {
      const failed = toTaskgateError(error)
      refuse(
        failed.code === 'TG_SESSION_LIMIT'
          ? problem(429, failed.code, failed.clientMessage)
          : errorProblem(failed),
      )
      return undefined
    }
  }

  async #serve(session: GrantSession, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // One signal per request, aborted when the client leaves or the session ends (grant ended): cheaper
    // than composing the session's signal into each request's (AbortSignal.any) on the hot path.
    const gone = new AbortController()
    const cut = () => gone.abort()
    res.on('close', () => {
      if (!res.writableFinished) cut()
    })
    session.signal.addEventListener('abort', cut, { once: true })
    try {
      await this.#exchange(session, req, res, gone.signal)
    } finally {
      session.signal.removeEventListener('abort', cut)
    }
  }

  async #exchange(
    session: GrantSession,
    req: IncomingMessage,
    res: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const started = Date.now()
    const decided = await this.#decide(session, req, signal)
    if ('problem' in decided) return sendProblem(res, decided.problem, { connection: 'close' })
    const streamed = decided.body === undefined ? hasBody(req.headers) : !Buffer.isBuffer(decided.body)
    let requestBytes = Buffer.isBuffer(decided.body) ? decided.body.length : 0
    if (streamed) req.on('data', (chunk: Buffer) => (requestBytes += chunk.length))
    try {
      const up = await forwardRequest(this.#o.upstream, {
        method: req.method!,
        target: decided.target,
        headers: this.#headers(req, false, decided.body, session.masking !== undefined, session),
        body: decided.body ?? (hasBody(req.headers) ? req : undefined),
        signal,
      })
      const response = await sendResponse(up, res, {
        masking: session.masking,
        maxMaskBytes: this.#o.maxMaskBytes,
        headOnly: req.method === 'HEAD',
        budget: { handle: session.handle, logger: this.#o.logger },
      })
      recordExchange(this.#o.core, session, decided, {
        durationMs: Date.now() - started,
        requestBytes,
        response,
      })
    } catch (error) {
      const answer = signal.aborted ? undefined : this.#failure(error)
      if (answer) sendProblem(res, answer, { connection: 'close' })
      recordExchange(this.#o.core, session, decided, {
        durationMs: Date.now() - started,
        requestBytes,
        error: signal.aborted
          ? session.signal.aborted
            ? 'session ended'
            : 'client went away'
          : (answer?.detail ?? 'failed'),
      })
    }
  }

  /** Normalises, reads the body when needed, classifies and decides: a Decided to forward, or the problem
   * to answer (already recorded by the gate). */
  async #decide(
    session: GrantSession,
    req: IncomingMessage,
    signal: AbortSignal | undefined,
  ): Promise<Decided | { problem: HttpProblem }> {
    const method = req.method ?? ''
    const upgrade = req.headers.upgrade
    let normalized: { path: string; query: string } | undefined
    let why = methodOverride(req.headers)
    try {
      normalized = normalizeTarget(req.url ?? '', this.#o.pathParameters)
    } catch (error) {
      if (!(error instanceof UnnormalizablePath)) throw error
      why = `the path cannot be normalised: ${error.message}`
    }
    if (why || !normalized) return this.#unclassified(session, req, why ?? 'the path cannot be normalised')
    const inspected = await this.#inspect(req, signal)
    if (inspected?.bodyMethods === 'unread')
      return this.#unclassified(
        session,
        req,
        'a POST body that could not be read whole (over clients.maxInspectBytes, or with no single reading) may carry a `_method` the upstream runs instead of POST',
      )
    const action = classifyRequest({
      method,
      ...normalized,
      ...(inspected?.facts ? { body: inspected.facts } : {}),
      ...(inspected?.bodyMethods ? { bodyMethods: inspected.bodyMethods } : {}),
      ...(upgrade ? { upgrade } : {}),
      ...methodOverrideOf(req),
    })
    action.recordText = requestRecordText(action, req.headers, inspected?.facts, session.masking)
    const answer = await session.gate.decide({
      action,
      write: !READ_ONLY.has(method),
      start: true,
      ...(signal ? { signal } : {}),
      ...(inspected || upgrade || action.traits.includes('method-override') ? {} : { cacheKey: action.text }),
    })
    if (answer.decision.outcome !== 'allow') return { problem: this.#refusal(answer.decision) }
    const target = normalized.query ? `${normalized.path}?${normalized.query}` : normalized.path
    return { action, target, body: inspected?.body, ...(answer.seq !== undefined ? { seq: answer.seq } : {}) }
  }

  /** A request refused before classification: an unclassified action, denied (and recorded) by core. */
  async #unclassified(
    session: GrantSession,
    req: IncomingMessage,
    why: string,
  ): Promise<{ problem: HttpProblem }> {
    const method = req.method ?? ''
    const action: Action = {
      protocol: 'http',
      kind: method,
      needs: [],
      traits: [],
      text: `${method} ${(req.url ?? '').slice(0, 2048)}`,
      recordText: `${method} ${redactTarget((req.url ?? '').slice(0, 2048))}`,
      unclassified: why,
    }
    return {
      problem: this.#refusal((await session.gate.decide({ action, write: false, start: false })).decision),
    }
  }

  /** The body as policy reads it, when a body rule is in force and the request has one; and a POST body
   * an upstream may read a `_method` from (bodies.ts mayCarryMethodOverride), whatever the rules. */
  async #inspect(req: IncomingMessage, signal: AbortSignal | undefined): Promise<Inspected | undefined> {
    if (!hasBody(req.headers)) return undefined
    const contentType = req.headers['content-type']
    const overridable = mayCarryMethodOverride(req.method ?? '', contentType)
    const rules = this.#o.inspectBodies
    if (!rules && !overridable) return undefined
    const kind = bodyKind(contentType)
    const unread = overridable ? { bodyMethods: 'unread' as const } : {}
    const uninspected = rules ? { facts: 'uninspected' as const } : {}
    if (kind === undefined && !overridable) return { facts: 'uninspected' }
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > this.#o.maxInspectBytes) return { ...uninspected, ...unread }
    const read = await readBounded(req, this.#o.maxInspectBytes, signal)
    if (read === 'aborted') return { ...uninspected, ...unread }
    // Read in part: forwarded (if a rule allows it at all) as those bytes, then the rest of the stream.
    if ('tooLarge' in read) return { ...uninspected, ...unread, body: prefixed(read.tooLarge, req) }
    const bodyMethods = overridable
      ? { bodyMethods: bodyMethodOverrides(contentType, read.bytes) ?? ('unread' as const) }
      : {}
    if (!rules || kind === undefined) return { ...uninspected, ...bodyMethods, body: read.bytes }
    const text = read.bytes.toString('utf8')
    const json = kind === 'json' ? parseJsonOnce(text) : formFields(text)
    return json === undefined
      ? { facts: 'uninspected', ...bodyMethods, body: read.bytes }
      : { facts: { json, text }, ...bodyMethods, body: read.bytes }
  }

  #headers(
    req: IncomingMessage,
    upgrade: boolean,
    body: Buffer | Readable | undefined,
    masking: boolean,
    session: GrantSession,
  ): OutgoingHttpHeaders {
    const headers = upstreamRequestHeaders(req.headers, req.rawHeaders, {
      host: this.#o.upstream.host,
      policy: this.#o.headerPolicy,
      keepUpgrade: upgrade,
      extra: this.#o.credentialHeaders,
    })
    // The gateway's own word on the caller, over anything of the same name (client headers of these names
    // were stripped already).
    addForwardedFor(headers, req, session)
    if (Buffer.isBuffer(body)) headers['content-length'] = body.length
    // Masking reads bodies as they are: ask for no content coding, and for the whole representation (a byte
    // range starts inside a JSON document, where keys and paths cannot be read).
    if (masking) {
      headers['accept-encoding'] = 'identity'
      delete headers.range
      delete headers['if-range']
    }
    return headers
  }

  #refusal(decision: Decision): HttpProblem {
    if (decision.outcome === 'deny') return deniedProblem(decision)
    if (decision.outcome === 'approve-first') return approvalProblem(decision)
    return problem(500, 'TG_INTERNAL', 'no decision')
  }

  #failure(error: unknown): HttpProblem {
    const failed = toTaskgateError(error)
    if (failed.code === 'TG_UPSTREAM_UNAVAILABLE') {
      this.#o.logger.warn({ detail: failed.detail }, 'upstream failed')
      return problem(isTimeout(failed) ? 504 : 502, failed.code, failed.clientMessage)
    }
    this.#o.logger.error({ err: String(error) }, 'request failed')
    return errorProblem(failed)
  }
}
