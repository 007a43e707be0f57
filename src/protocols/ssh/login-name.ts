// The SSH user name a client logs in to the gateway with: the grant credential's user, optionally preceded
// by the login on the target and a `+` (`deploy+g_ab12_1`). Without one, the login is the only one the
// grant's scope names, or the resource's only login.
import type { Scope } from '../../core/index.ts'

export interface LoginName {
  credentialUser: string
  /** Named by the client, or undefined. */
  login: string | undefined
}

export function parseLoginName(user: string): LoginName {
  const plus = user.lastIndexOf('+')
  if (plus <= 0) return { credentialUser: user, login: undefined }
  return { credentialUser: user.slice(plus + 1), login: user.slice(0, plus) }
}

/** The login the session uses, or undefined when the client must name one. */
export function chooseLogin(
  named: string | undefined,
  scope: Scope,
  logins: readonly string[],
): string | undefined {
  if (named !== undefined) return logins.includes(named) ? named : undefined
  if (logins.length === 1) return logins[0]
  const inScope = new Set<string>()
  for (const entry of scope) {
    const login = entry.object.split(':')[0]!
    if (logins.includes(login)) inScope.add(login)
  }
  return inScope.size === 1 ? [...inScope][0] : undefined
}
