// Bearer-token login for HTTP-shaped resources, where a "connection" is not a session: the first request
// with a grant credential logs in through core (constant-time secret check, rate limit, audit) and opens
// one core session for that credential; later requests with the same login name find it and have their
// secret compared in constant time, and share its action gate and allow cache. The session closes after a quiet
// spell, when core ends it (grant ended: requests in flight are cut), or at shutdown. Requests in flight
// per grant are bounded. Shared with the Kubernetes engine.
import { timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import {
  type Core,
  type GrantContext,
  type MaskingContext,
  type SessionHandle,
  TaskgateError,
} from '../../core/index.ts'
import { ActionGate } from '../kit/action-gate.ts'
import { openPendingSession } from '../kit/open-session.ts'

export interface GrantSession {
  readonly handle: SessionHandle
  readonly context: GrantContext
  readonly gate: ActionGate
  readonly masking: MaskingContext | undefined
  /** Aborted when the session ends (grant ended, gateway closing): requests under way stop. */
  readonly signal: AbortSignal
}

export interface GrantSessionsOptions {
  core: Core
  resourceId: string
  /** The protocol name recorded for the session (`http`, `kubernetes`). */
  protocol: string
  logger: Logger
  maxConcurrentPerGrant: number
  /** A session unused this long closes (default 5 min). */
  idleMs?: number
  /** Most sessions kept open at once (default 10,000): past it the longest idle one closes. */
  maxSessions?: number
}

interface Entry {
  /** The credential's secret, compared in constant time with each request's (the secret is in every
   * request anyway; a hash per request cost more than the rest of the lookup). */
  secret: Buffer
  session?: GrantSession
  opening?: Promise<GrantSession>
  abort: AbortController
  inFlight: number
  lastUsed: number
  idle?: NodeJS.Timeout
}

/** The token after `Bearer ` in an Authorization header: `<login name>.<secret>`. */
export function bearerToken(authorization: string | undefined): { user: string; secret: string } | undefined {
  if (!authorization || !/^bearer /i.test(authorization)) return undefined
  const token = authorization.slice(7).trim()
  const dot = token.indexOf('.')
  if (dot <= 0 || token.length > 512) return undefined
  return { user: token.slice(0, dot), secret: token.slice(dot + 1) }
}

export class GrantSessions {
  readonly #o: GrantSessionsOptions
  readonly #byUser = new Map<string, Entry>()
  readonly #perGrant = new Map<string, number>()
  #closed = false

  constructor(options: GrantSessionsOptions) {
    this.#o = options
  }

  /** The session of the request's bearer token; throws TG_CREDENTIAL_INVALID (or the login's own error). */
  /** `client` (the peer's address, for audit and failed-login limits) may be a function: it is read only
   * when a login is checked, not for each request of a session already open. */
  async login(authorization: string | undefined, peer: string | (() => string)): Promise<GrantSession> {
    const client = () => (typeof peer === 'string' ? peer : peer())
    if (this.#closed)
      throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', { message: 'taskgate is shutting down.' })
    const token = bearerToken(authorization)
    if (!token)
      throw new TaskgateError('TG_CREDENTIAL_INVALID', {
        message:
          'Send the grant credential as `Authorization: Bearer <token>` (taskgate grant env ID prints it).',
      })
    const key = token.user
    const secret = Buffer.from(token.secret)
    const found = this.#byUser.get(key)
    if (found) {
      if (found.secret.length === secret.length && timingSafeEqual(found.secret, secret)) {
        found.lastUsed = Date.now()
        return found.session ?? (await found.opening!)
      }
      // A wrong secret for a logged-in name: core checks it (audited, rate-limited) and refuses; the
      // session of the right secret stays.
      await this.#o.core.authenticateCredential(this.#o.resourceId, token.user, token.secret, client())
      throw new TaskgateError('TG_CREDENTIAL_INVALID')
    }
    const entry: Entry = { secret, abort: new AbortController(), inFlight: 0, lastUsed: Date.now() }
    this.#makeRoom()
    this.#byUser.set(key, entry)
    entry.opening = this.#open(entry, key, token, client())
    try {
      entry.session = await entry.opening
      return entry.session
    } catch (error) {
      this.#byUser.delete(key)
      throw error
    } finally {
      entry.opening = undefined
    }
  }

  /** Counts a request in flight for the session's grant; undefined when the grant is at its limit. The
   * returned function ends it (call once). */
  acquire(session: GrantSession): (() => void) | undefined {
    const grantId = session.context.grant.id
    const count = this.#perGrant.get(grantId) ?? 0
    if (count >= this.#o.maxConcurrentPerGrant) return undefined
    this.#perGrant.set(grantId, count + 1)
    const entry = this.#entryOf(session)
    if (entry) {
      entry.inFlight++
      if (entry.idle) clearTimeout(entry.idle)
    }
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#perGrant.get(grantId) ?? 1) - 1
      if (left <= 0) this.#perGrant.delete(grantId)
      else this.#perGrant.set(grantId, left)
      if (entry) {
        entry.inFlight--
        entry.lastUsed = Date.now()
        if (entry.inFlight === 0) this.#armIdle(entry)
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    const entries = [...this.#byUser.values()]
    this.#byUser.clear()
    await Promise.allSettled(entries.map((e) => this.#end(e, 'gateway shutting down')))
  }

  async #open(
    entry: Entry,
    key: string,
    token: { user: string; secret: string },
    client: string,
  ): Promise<GrantSession> {
    const { core, resourceId, protocol } = this.#o
    const context = await core.authenticateCredential(resourceId, token.user, token.secret, client)
    const pending = await openPendingSession(core, { context, protocol, client })
    const gate = new ActionGate({
      core,
      handle: pending.handle,
      logger: this.#o.logger.child({ sessionId: pending.handle.id, grantId: context.grant.id }),
      signal: entry.abort.signal,
    })
    const session: GrantSession = {
      handle: pending.handle,
      context,
      gate,
      masking: core.maskingFor(resourceId, context.grant.groups),
      signal: entry.abort.signal,
    }
    entry.session = session
    pending.attach((reason) => {
      // The grant ended (or an approver ended this session): the token stops working at once.
      if (this.#byUser.get(key) === entry) this.#byUser.delete(key)
      void this.#end(entry, reason)
    })
    this.#armIdle(entry)
    return session
  }

  #entryOf(session: GrantSession): Entry | undefined {
    for (const entry of this.#byUser.values()) if (entry.session === session) return entry
    return undefined
  }

  #armIdle(entry: Entry): void {
    if (entry.idle) clearTimeout(entry.idle)
    entry.idle = setTimeout(() => {
      if (entry.inFlight > 0) return
      for (const [key, e] of this.#byUser) if (e === entry) this.#byUser.delete(key)
      void this.#end(entry, 'idle')
    }, this.#o.idleMs ?? 300_000)
    entry.idle.unref()
  }

  #makeRoom(): void {
    if (this.#byUser.size < (this.#o.maxSessions ?? 10_000)) return
    let oldest: [string, Entry] | undefined
    for (const pair of this.#byUser) {
      if (pair[1].inFlight === 0 && pair[1].session && (!oldest || pair[1].lastUsed < oldest[1].lastUsed))
        oldest = pair
    }
    if (!oldest)
      throw new TaskgateError('TG_SESSION_LIMIT', { message: 'Too many clients at once; retry shortly.' })
    this.#byUser.delete(oldest[0])
    void this.#end(oldest[1], 'idle')
  }

  async #end(entry: Entry, reason: string): Promise<void> {
    if (entry.idle) clearTimeout(entry.idle)
    if (entry.abort.signal.aborted) return
    entry.abort.abort(new Error(reason))
    const session = entry.session ?? (await entry.opening?.catch(() => undefined))
    if (session) await this.#o.core.closeSession(session.handle, reason).catch(() => {})
  }
}
