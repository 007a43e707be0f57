import type { Logger } from 'pino'
import type { Config } from '../../config/schema.ts'
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

export function createLoginGate(
  audit: LoginAudit,
  limits: Config['limits']['failedLogins'],
  clock: Clock,
  logger: Logger,
): LoginGate {
  const throttle = new LoginThrottle(
    {
      perSource: limits.perSource,
      perPrincipal: limits.perPrincipal,
      windowMs: parseDurationSeconds(limits.window) * 1000,
    },
    clock,
  )
  const failed = (failure: LoginFailure) => {
    throttle.failed(loginKeyOf(failure))
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

/** What a login is counted under: its source, and the principal it names when it names one. */
function loginKeyOf(attempt: { client?: string | undefined; user: string }): LoginKey {
  return { client: attempt.client, principal: attempt.user === ANONYMOUS_BEARER ? undefined : attempt.user }
}
