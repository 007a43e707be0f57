// Logins are security events and belong in the hash-chained log, but a password-guessing flood must not
// grow that log without bound: failures are written as they come up to a per-source limit and a global
// limit per minute; the rest are counted and written as one `login.failed` summary when the minute ends.
import type { Clock } from '../clock.ts'
import type { AuditEventInput } from './events.ts'

/** Where a login came in: `api` (a bearer token), `console` (sign-in), or a resource kind (`postgres`). */
export interface LoginAttempt {
  channel: string
  /** Client address when known (no port: one source is one host). */
  client?: string | undefined
}

export interface LoginFailure extends LoginAttempt {
  /** The name the client gave (user name, key name); never the secret. */
  user: string
  reason: string
  /** The resource logged in to, for data-path logins. */
  resource?: string | undefined
}

export interface LoginSuccess extends LoginAttempt {
  /** The principal id, e.g. `sa:ci-bot`. */
  actor: string
  subject?: string | undefined
  data?: Record<string, unknown>
}

export interface LoginAuditLimits {
  /** Failures written per source (channel, client, user) per window. */
  perSource: number
  /** Failures written per window across all sources. */
  total: number
  windowMs: number
  /** Distinct sources counted per window; beyond it their failures still count, under `other`. */
  maxTrackedSources: number
}

export const DEFAULT_LOGIN_AUDIT_LIMITS: LoginAuditLimits = {
  perSource: 5,
  total: 100,
  windowMs: 60_000,
  maxTrackedSources: 10_000,
}

/** Sources listed by name in a window's summary; the summary's total counts all of them. */
const SUMMARY_TOP = 20

interface SourceCount {
  channel: string
  client?: string | undefined
  user: string
  resource?: string | undefined
  written: number
  coalesced: number
}

export interface LoginAudit {
  succeeded(success: LoginSuccess): Promise<void>
  failed(failure: LoginFailure): Promise<void>
  /** Writes the summary of a window that has ended (on a timer, so a flood that stopped is still
   * reported); with `force`, of the current window too (at shutdown). */
  flush(force?: boolean): Promise<void>
}

export function createLoginAudit(
  write: (event: AuditEventInput) => Promise<unknown>,
  clock: Clock,
  limits: LoginAuditLimits = DEFAULT_LOGIN_AUDIT_LIMITS,
): LoginAudit {
  let windowStart = windowOf(clock.now().getTime(), limits.windowMs)
  let sources = new Map<string, SourceCount>()
  let written = 0
  let coalesced = 0

  const summary = (): AuditEventInput | undefined => {
    if (coalesced === 0) return undefined
    const top = [...sources.values()]
      .filter((s) => s.coalesced > 0)
      .sort((a, b) => b.coalesced - a.coalesced)
      .slice(0, SUMMARY_TOP)
      .map(({ written: _w, ...s }) => s)
    return {
      type: 'login.failed',
      actor: 'gateway',
      data: {
        reason: 'rate-limited',
        coalesced,
        from: new Date(windowStart).toISOString(),
        to: new Date(windowStart + limits.windowMs).toISOString(),
        top,
      },
    }
  }

  // Starts a new window when the clock has left the current one; returns the old window's summary.
  const roll = (force = false): AuditEventInput | undefined => {
    const now = windowOf(clock.now().getTime(), limits.windowMs)
    if (!force && now === windowStart) return undefined
    const done = summary()
    windowStart = now
    sources = new Map()
    written = 0
    coalesced = 0
    return done
  }

  return {
    async succeeded(success) {
      const pending = roll()
      if (pending) await write(pending)
      await write({
        type: 'login.succeeded',
        actor: success.actor,
        ...(success.subject !== undefined ? { subject: success.subject } : {}),
        data: { channel: success.channel, client: success.client, ...success.data },
      })
    },
    async failed(failure) {
      const pending = roll()
      if (pending) await write(pending)
      const key = JSON.stringify([failure.channel, failure.client, failure.user, failure.resource])
      let source = sources.get(key)
      if (!source && sources.size < limits.maxTrackedSources) {
        source = { ...pick(failure), written: 0, coalesced: 0 }
        sources.set(key, source)
      }
      source ??= otherSource(sources)
      if (source.written >= limits.perSource || written >= limits.total) {
        source.coalesced++
        coalesced++
        return
      }
      source.written++
      written++
      await write({
        type: 'login.failed',
        actor: failure.user,
        ...(failure.resource !== undefined ? { subject: failure.resource } : {}),
        data: { ...pick(failure), reason: failure.reason },
      })
    },
    async flush(force = false) {
      const pending = roll(force)
      if (pending) await write(pending)
    },
  }
}

function windowOf(ms: number, windowMs: number): number {
  return ms - (ms % windowMs)
}

function pick(f: LoginFailure): Omit<SourceCount, 'written' | 'coalesced'> {
  return { channel: f.channel, client: f.client, user: f.user, resource: f.resource }
}

function otherSource(sources: Map<string, SourceCount>): SourceCount {
  let other = sources.get('other')
  if (!other) {
    // Counted past the tracking limit; written as such in the summary.
    other = { channel: 'other', user: '(many)', written: Number.POSITIVE_INFINITY, coalesced: 0 }
    sources.set('other', other)
  }
  return other
}
