// Signed-in console users: a random id (the cookie) mapped to a server-side session holding the bearer
// token the browser never sees. Kept in the store (shared-state.ts), so every gateway behind a load
// balancer knows every session and a sign-out on one is a sign-out on all. The row is keyed by a hash of
// the cookie and sealed with a key derived from it: the store alone yields no token. Each request
// re-authenticates the stored token through core, so a rotated key or a disabled account stops working at once.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { keyFor, type SharedState, seal, unseal } from './shared-state.ts'

export interface ConsoleSession {
  readonly id: string
  /** Sent by the console in the x-csrf-token header of every state-changing request (double submit). */
  readonly csrfToken: string
  /** The OIDC access token or service-account key this session acts with. */
  token: string
  /** When `token` needs refreshing (OIDC access tokens); absent for keys. */
  tokenExpiresAt?: number | undefined
  refreshToken?: string | undefined
  /** Absolute end of the session, whatever the activity. */
  readonly expiresAt: number
}

type SealedSession = Omit<ConsoleSession, 'id'>

const SESSION_TTL_MS = 8 * 60 * 60 * 1000
/** Expired sessions are deleted by the next sign-in at most this often. */
const SWEEP_EVERY_MS = 60_000
const PURPOSE = 'console session'

export class ConsoleSessions {
  readonly #state: SharedState
  readonly #now: () => number
  #sweptAt = 0

  constructor(state: SharedState, now: () => number = Date.now) {
    this.#state = state
    this.#now = now
  }

  async create(input: {
    token: string
    tokenExpiresAt?: number
    refreshToken?: string
  }): Promise<ConsoleSession> {
    await this.#sweep()
    const now = this.#now()
    const session: ConsoleSession = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(24).toString('base64url'),
      ...input,
      expiresAt: now + SESSION_TTL_MS,
    }
    const { id, ...sealed } = session
    await this.#state.put(
      'console_session',
      keyFor(id, PURPOSE),
      seal(id, PURPOSE, sealed),
      new Date(session.expiresAt),
      new Date(now),
    )
    return session
  }

  async get(id: string | undefined): Promise<ConsoleSession | undefined> {
    if (!id || id.length > 256) return undefined
    const now = this.#now()
    const stored = await this.#state.get('console_session', keyFor(id, PURPOSE), new Date(now))
    const session = stored === undefined ? undefined : unseal<SealedSession>(id, PURPOSE, stored)
    if (!session || session.expiresAt <= now) return undefined
    return { id, ...session }
  }

  /** Stores a refreshed token (same session, same expiry). */
  async update(session: ConsoleSession): Promise<void> {
    const { id, ...sealed } = session
    await this.#state.replace(
      'console_session',
      keyFor(id, PURPOSE),
      seal(id, PURPOSE, sealed),
      new Date(this.#now()),
    )
  }

  async delete(id: string): Promise<void> {
    await this.#state.delete('console_session', keyFor(id, PURPOSE))
  }

  get maxAgeSeconds(): number {
    return SESSION_TTL_MS / 1000
  }

  async #sweep(): Promise<void> {
    const now = this.#now()
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return
    this.#sweptAt = now
    await this.#state.sweep(new Date(now))
  }
}

export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
