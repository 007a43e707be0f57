// Failed logins are counted per source address and per principal in fixed windows; once either count
// reaches its limit, further attempts from that source (or for that principal) are refused before their
// secret is checked, until the window ends. Without it, 2,000 wrong keys in 0.9 s were all answered:
// guessing cost nothing but bandwidth (issue #10). A bearer token naming no principal (an OIDC token, a
// malformed key) counts against its source only, so garbage tokens cannot lock real users out.
import type { Clock } from '../clock.ts'
import { TaskgateError } from '../errors.ts'

export interface LoginThrottleLimits {
  /** Failed logins from one address per window before its attempts are refused. */
  perSource: number
  /** Failed logins for one principal (a key name, a credential user) per window, from anywhere. */
  perPrincipal: number
  windowMs: number
}

/** Counters kept at most; past it the oldest goes (a spray of sources still meets the per-principal limit). */
const MAX_TRACKED = 10_000

interface Count {
  windowStart: number
  failures: number
}

export interface LoginKey {
  /** Client address (no port); undefined when unknown. */
  client?: string | undefined
  /** The principal the attempt names, when it names one. */
  principal?: string | undefined
}

export class LoginThrottle {
  readonly #limits: LoginThrottleLimits
  readonly #clock: Clock
  readonly #counts = new Map<string, Count>()

  constructor(limits: LoginThrottleLimits, clock: Clock) {
    this.#limits = limits
    this.#clock = clock
  }

  /** Throws TG_LOGIN_RATE_LIMITED when the source or the principal is over its limit in this window. */
  admit(key: LoginKey): void {
    const now = this.#clock.now().getTime()
    const over = (id: string | undefined, limit: number) =>
      id !== undefined && (this.#current(id, now)?.failures ?? 0) >= limit
    const bySource = over(sourceId(key), this.#limits.perSource)
    if (!bySource && !over(principalId(key), this.#limits.perPrincipal)) return
    const count = this.#current((bySource ? sourceId(key) : principalId(key))!, now)!
    const retryAfterSeconds = Math.max(1, Math.ceil((count.windowStart + this.#limits.windowMs - now) / 1000))
    throw new TaskgateError('TG_LOGIN_RATE_LIMITED', {
      message: `Too many failed logins ${bySource ? 'from this address' : 'for this name'}; try again in ${retryAfterSeconds} s.`,
    })
  }

  /** Counts one failed login against its source and its principal. */
  failed(key: LoginKey): void {
    const now = this.#clock.now().getTime()
    for (const id of [sourceId(key), principalId(key)]) {
      if (id === undefined) continue
      const count = this.#current(id, now)
      if (count) count.failures++
      else {
        if (this.#counts.size >= MAX_TRACKED) this.#counts.delete(this.#counts.keys().next().value!)
        this.#counts.set(id, { windowStart: now, failures: 1 })
      }
    }
  }

  /** The count of `id` in its window still running at `now`; an ended window is forgotten. */
  #current(id: string, now: number): Count | undefined {
    const count = this.#counts.get(id)
    if (count === undefined) return undefined
    if (now - count.windowStart < this.#limits.windowMs) return count
    this.#counts.delete(id)
    return undefined
  }
}

const sourceId = (key: LoginKey) => (key.client === undefined ? undefined : `source:${key.client}`)
const principalId = (key: LoginKey) =>
  key.principal === undefined ? undefined : `principal:${key.principal}`
