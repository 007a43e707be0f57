// One grant credential is one login for the whole task: kubectl sends the bearer token on every request, over
// many connections; the first request proves it (core.authenticateCredential: constant time, audited,
// rate-limited) and opens one core session with one action gate, which every later request with the same
// token shares. A cached login is keyed by the token's SHA-256 (the clear token is never kept), ends when
// core ends its grant (every open watch, log stream and exec under it is cut), after `idleMs` without a
// request, or when the cache is full (oldest first).
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { type Core, type GrantContext, type SessionHandle, TaskgateError } from '../../core/index.ts'
import { ActionGate } from '../kit/action-gate.ts'
import { openPendingSession } from '../kit/open-session.ts'

export interface KubeLogin {
  readonly context: GrantContext
  readonly handle: SessionHandle
  readonly gate: ActionGate
  /** exec/attach/port-forward streams open now (clients.maxStreamsPerGrant). */
  streams: number
  /** Cuts every request still open under the login (a watch, `logs -f`, an exec). */
  readonly live: Set<(reason: string) => void>
  lastUsedMs: number
  readonly ended: AbortController
}

export interface KubeLoginsOptions {
  core: Core
  resourceId: string
  logger: Logger
  maxLogins?: number
  idleMs?: number
}

const DEFAULT_MAX_LOGINS = 10_000
const DEFAULT_IDLE_MS = 15 * 60_000

export class KubeLogins {
  readonly #o: KubeLoginsOptions
  readonly #byToken = new Map<string, Promise<KubeLogin>>()
  readonly #sweep: NodeJS.Timeout

  constructor(options: KubeLoginsOptions) {
    this.#o = options
    const idleMs = options.idleMs ?? DEFAULT_IDLE_MS
    this.#sweep = setInterval(() => this.#dropIdle(idleMs), Math.min(idleMs, 60_000))
    this.#sweep.unref()
  }

  /** The login of an `Authorization` header value; throws TG_CREDENTIAL_INVALID (or core's refusal). */
  login(authorization: string | undefined, client: string): Promise<KubeLogin> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
    if (!token) return Promise.reject(new TaskgateError('TG_CREDENTIAL_INVALID'))
    const key = createHash('sha256').update(token).digest('hex')
    let login = this.#byToken.get(key)
    if (!login) {
      if (this.#byToken.size >= (this.#o.maxLogins ?? DEFAULT_MAX_LOGINS)) this.#evictOldest()
      login = this.#open(key, token, client)
      this.#byToken.set(key, login)
      // A failed login is not remembered: the next attempt is checked (and rate-limited) again.
      login.catch(() => this.#byToken.delete(key))
    }
    return login.then((l) => {
      l.lastUsedMs = Date.now()
      return l
    })
  }

  /** Ends every login (the gateway closes). */
  async close(reason: string): Promise<void> {
    clearInterval(this.#sweep)
    const all = [...this.#byToken.keys()]
    await Promise.allSettled(all.map((key) => this.#end(key, reason)))
  }

  async #open(key: string, token: string, client: string): Promise<KubeLogin> {
    const { core, resourceId, logger } = this.#o
    const dot = token.indexOf('.')
    if (dot <= 0) throw new TaskgateError('TG_CREDENTIAL_INVALID')
    const context = await core.authenticateCredential(
      resourceId,
      token.slice(0, dot),
      token.slice(dot + 1),
      client,
    )
    const pending = await openPendingSession(core, { context, protocol: 'kubernetes', client })
    const ended = new AbortController()
    const log = logger.child({ sessionId: pending.handle.id, grantId: context.grant.id })
    const login: KubeLogin = {
      context,
      handle: pending.handle,
      gate: new ActionGate({ core, handle: pending.handle, logger: log, signal: ended.signal }),
      streams: 0,
      live: new Set(),
      lastUsedMs: Date.now(),
      ended,
    }
    pending.attach((reason) => void this.#end(key, reason, login))
    log.info('kubernetes login')
    return login
  }

  async #end(key: string, reason: string, known?: KubeLogin): Promise<void> {
    const entry = this.#byToken.get(key)
    this.#byToken.delete(key)
    const login = known ?? (await entry?.catch(() => undefined))
    if (!login || login.ended.signal.aborted) return
    login.ended.abort()
    for (const cut of [...login.live]) cut(reason)
    await this.#o.core.closeSession(login.handle, reason).catch(() => {})
  }

  #evictOldest(): void {
    const oldest = this.#byToken.keys().next().value
    if (oldest !== undefined) void this.#end(oldest, 'too many logins')
  }

  #dropIdle(idleMs: number): void {
    const now = Date.now()
    for (const [key, entry] of this.#byToken) {
      void entry.then(
        (login) => {
          if (now - login.lastUsedMs > idleMs && login.live.size === 0) void this.#end(key, 'idle')
        },
        () => {},
      )
    }
  }
}
