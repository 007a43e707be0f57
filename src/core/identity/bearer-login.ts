// core.authenticate: a bearer token (OIDC, service-account key, gateway token) -> Principal. With `login`,
// the attempt is audited: a console sign-in always; an API request when it fails and the first time a token
// succeeds (each CLI login, key or token refresh is one `login.succeeded`, not one per call).
import type { LoginAttempt } from '../audit/login-audit.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import { TaskgateError } from '../errors.ts'
import { sha256Hex } from '../grants/issue-credential.ts'
import type { BearerAuthenticator } from './authenticate.ts'
import { ANONYMOUS_BEARER } from './login-gate.ts'
import type { Principal } from './principal.ts'
import { parseServiceAccountKey } from './service-account-key.ts'

/** Digests of bearer tokens whose first API use was audited; bounded, so at worst a token is logged twice. */
const SEEN_BEARERS_MAX = 10_000

export function createBearerLogin(
  bearer: BearerAuthenticator,
  rt: CoreRuntime,
): (token: string, login?: LoginAttempt) => Promise<Principal> {
  const seenBearers = new Set<string>()
  return async (token, login) => {
    if (!login) return bearer.authenticate(token)
    const named = parseServiceAccountKey(token.trim())
    const user = named ? `sa:${named.name}` : ANONYMOUS_BEARER
    await rt.loginGate.admit({ ...login, user })
    let principal: Principal
    try {
      principal = await bearer.authenticate(token)
    } catch (error) {
      // A missing token is no attempt; an unreachable IdP or store is not the caller's failure.
      if (
        error instanceof TaskgateError &&
        error.kind === 'unauthenticated' &&
        error.code !== 'TG_AUTH_MISSING'
      )
        await rt.loginGate.failed({ ...login, user, reason: error.code })
      throw error
    }
    if (login.channel !== 'console') {
      const digest = sha256Hex(token)
      if (seenBearers.has(digest)) return principal
      if (seenBearers.size >= SEEN_BEARERS_MAX) seenBearers.clear()
      seenBearers.add(digest)
    }
    // Awaited: a login the audit log cannot record does not happen (fail closed).
    await rt.loginAudit.succeeded({ ...login, actor: principal.id, data: { via: principal.via } })
    return principal
  }
}
