// Signed-in console users: a random id (the cookie) mapped to a server-side session holding the bearer
// token the browser never sees. In memory on purpose: a restart signs everybody out, and a stolen cookie
// is worth nothing once the process is gone. Each request re-authenticates the stored token through core,
// so a rotated key or a disabled account stops working at once.
import { randomBytes, timingSafeEqual } from 'node:crypto'

export interface ConsoleSession {
  readonly id: string
  /** Sent by the console in the x-csrf-token header of every state-changing request (double submit). */
  readonly csrfToken: string
  /** The OIDC access token or service-account key this session acts with. */
  token: string
  /** When `token` needs refreshing (OIDC access tokens); absent for keys. */
  tokenExpiresAt?: number
  refreshToken?: string
  /** Absolute end of the session, whatever the activity. */
  readonly expiresAt: number
}

const SESSION_TTL_MS = 8 * 60 * 60 * 1000

export class ConsoleSessions {
  readonly #sessions = new Map<string, ConsoleSession>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  create(input: { token: string; tokenExpiresAt?: number; refreshToken?: string }): ConsoleSession {
    this.#sweep()
    const session: ConsoleSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      ...input,
      expiresAt: this.#now() + SESSION_TTL_MS,
    }
    this.#sessions.set(session.id, session)
    return session
  }

  get(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined
    const session = this.#sessions.get(id)
    if (session && session.expiresAt <= this.#now()) {
      this.#sessions.delete(id)
      return undefined
    }
    return session
  }

  delete(id: string): void {
    this.#sessions.delete(id)
  }

  get maxAgeSeconds(): number {
    return SESSION_TTL_MS / 1000
  }

  #sweep(): void {
    const now = this.#now()
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id)
  }
}

export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
