import type { Logger } from 'pino'
import type { Config } from '../../config/schema.ts'
import type { Store } from '../../store/store.ts'
import type { LoginAudit, LoginFailure } from '../audit/login-audit.ts'
import type { Clock } from '../clock.ts'
import { parseDurationSeconds } from '../grants/duration.ts'
import { type LoginKey, LoginThrottle } from './login-throttle.ts'

/** The user name audited for a bearer token that names no principal (an OIDC token, a malformed key). */
export const ANONYMOUS_BEARER = 'bearer-token'

export interface LoginGate {
  /** Audits a failed login (coalesced under a flood) and counts it towards `limits.failedLogins`. */
  failed(failure: LoginFailure): Promise<void>
  /** Refuses, before its secret is checked, a login from a source or naming a principal over its failure
   * limit (TG_LOGIN_RATE_LIMITED); the refusal is audited like any failure. */
  admit(attempt: Omit<LoginFailure, 'reason'>): Promise<void>
}

/** Gateways sharing a store (replicas) count each other's failures: each failure is announced on the
 * store's `login_failed` channel with the announcing process's id, and every other process counts it too.
 * Refusals by the limit itself are not announced, so a flood past the limit sends nothing more. */
export interface SharedLoginCounts {
  store: Pick<Store, 'publish' | 'subscribe'>
  processId: string
}

/** A principal or address longer than this is not announced (a NOTIFY payload is at most 8000 bytes). */
const MAX_ANNOUNCED = 512

export function createLoginGate(
  audit: LoginAudit,
  limits: Config['limits']['failedLogins'],
  clock: Clock,
  logger: Logger,
  shared?: SharedLoginCounts,
): LoginGate {
  const throttle = new LoginThrottle(
    {
      perSource: limits.perSource,
      perPrincipal: limits.perPrincipal,
      windowMs: parseDurationSeconds(limits.window) * 1000,
    },
    clock,
  )
  shared?.store.subscribe('login_failed', (payload) => {
    try {
      const { from, client, principal } = JSON.parse(payload) as LoginKey & { from: string }
      if (from !== shared.processId) throttle.failed({ client, principal })
    } catch {
      // Not an announcement this version understands: nothing to count.
    }
  })
  const failed = (failure: LoginFailure) => {
    const key = loginKeyOf(failure)
    throttle.failed(key)
    if (shared && failure.reason !== 'TG_LOGIN_RATE_LIMITED') announce(shared, key, logger)
    return audit
      .failed(failure)
      .catch((error: unknown) => logger.error({ err: error }, 'could not audit a login'))
  }
  return {
    failed,
    async admit(attempt) {
      try {
        throttle.admit(loginKeyOf(attempt))
      } catch (error) {
        await failed({ ...attempt, reason: 'TG_LOGIN_RATE_LIMITED' })
        throw error
      }
    },
  }
}

function announce(shared: SharedLoginCounts, key: LoginKey, logger: Logger): void {
  const payload = JSON.stringify({ from: shared.processId, client: key.client, principal: key.principal })
  if (payload.length > MAX_ANNOUNCED) return
  shared.store.publish('login_failed', payload).catch((error: unknown) => {
    logger.warn({ err: String(error) }, 'could not announce a failed login to the other gateways')
  })
}

/** What a login is counted under: its source, and the principal it names when it names one. */
function loginKeyOf(attempt: { client?: string | undefined; user: string }): LoginKey {
  return { client: attempt.client, principal: attempt.user === ANONYMOUS_BEARER ? undefined : attempt.user }
}
