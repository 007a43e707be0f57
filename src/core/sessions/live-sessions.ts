import type { SessionHandle } from './session-handle.ts'

/** The connections open in this process, by grant, so a grant's end can close them at once. */
export class LiveSessions {
  readonly #byGrant = new Map<string, Set<SessionHandle>>()
  /** Open sessions per principal, for `limits.sessionsPerPrincipal`; a session leaves only when it has
   * closed, also after its grant ended. */
  readonly #byPrincipal = new Map<string, Set<SessionHandle>>()
  /** Sessions told to close that have not closed yet (a protocol may finish a message first), by grant. */
  readonly #closing = new Map<string, Set<SessionHandle>>()
  readonly #closedWaiters = new Map<string, Set<() => void>>()

  add(session: SessionHandle): void {
    const set = this.#byGrant.get(session.grant.id) ?? new Set()
    set.add(session)
    this.#byGrant.set(session.grant.id, set)
    const principal = session.grant.principalId
    const own = this.#byPrincipal.get(principal) ?? new Set()
    own.add(session)
    this.#byPrincipal.set(principal, own)
  }

  remove(session: SessionHandle): void {
    const grantId = session.grant.id
    const set = this.#byGrant.get(grantId)
    if (set) {
      set.delete(session)
      if (set.size === 0) this.#byGrant.delete(grantId)
    }
    const own = this.#byPrincipal.get(session.grant.principalId)
    if (own?.delete(session) && own.size === 0) this.#byPrincipal.delete(session.grant.principalId)
    const closing = this.#closing.get(grantId)
    if (closing?.delete(session) && closing.size === 0) {
      this.#closing.delete(grantId)
      for (const wake of this.#closedWaiters.get(grantId) ?? []) wake()
      this.#closedWaiters.delete(grantId)
    }
  }

  /** Resolves once every session closeGrant told to close has closed, or after `ms`, whichever is first:
   * the target's access is removed after that, so a session finishing its last message is not cut off. */
  whenClosed(grantId: string, ms: number): Promise<void> {
    if (!this.#closing.has(grantId)) return Promise.resolve()
    return new Promise((resolve) => {
      const waiters = this.#closedWaiters.get(grantId) ?? new Set()
      this.#closedWaiters.set(grantId, waiters)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(done)
        if (waiters.size === 0 && this.#closedWaiters.get(grantId) === waiters) {
          this.#closedWaiters.delete(grantId)
          // Sessions that never closed within the wait are not waited for again.
          this.#closing.delete(grantId)
        }
        resolve()
      }
      const timer = setTimeout(done, ms)
      timer.unref()
      waiters.add(done)
    })
  }

  grantIds(): string[] {
    return [...this.#byGrant.keys()]
  }

  countFor(grantId: string): number {
    return this.#byGrant.get(grantId)?.size ?? 0
  }

  /** Sessions of the principal open in this process, those told to close included until they have. */
  countForPrincipal(principalId: string): number {
    return this.#byPrincipal.get(principalId)?.size ?? 0
  }

  /** Closes one session by id when it is open in this process; false when it is not. */
  closeSession(sessionId: string, reason: string): boolean {
    for (const set of this.#byGrant.values()) {
      for (const session of set) {
        if (session.id !== sessionId) continue
        try {
          session.close(reason, 'session')
        } catch {
          // The protocol's close failing leaves the session to its own error handling.
        }
        return true
      }
    }
    return false
  }

  /** Closes every session of the grant; the protocol sends its native FATAL/close. */
  closeGrant(grantId: string, reason: string): number {
    const set = this.#byGrant.get(grantId)
    if (!set) return 0
    this.#byGrant.delete(grantId)
    const closing = this.#closing.get(grantId) ?? new Set()
    this.#closing.set(grantId, closing)
    for (const session of set) closing.add(session)
    for (const session of set) {
      try {
        session.close(reason, 'grant')
      } catch {
        // A protocol that fails to close must not stop the others from closing.
      }
    }
    return set.size
  }
}
