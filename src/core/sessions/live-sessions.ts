import type { SessionHandle } from '../core.ts'

/** The connections open in this process, by grant, so a grant's end can close them at once. */
export class LiveSessions {
  readonly #byGrant = new Map<string, Set<SessionHandle>>()

  add(session: SessionHandle): void {
    const set = this.#byGrant.get(session.grant.id) ?? new Set()
    set.add(session)
    this.#byGrant.set(session.grant.id, set)
  }

  remove(session: SessionHandle): void {
    const set = this.#byGrant.get(session.grant.id)
    if (!set) return
    set.delete(session)
    if (set.size === 0) this.#byGrant.delete(session.grant.id)
  }

  grantIds(): string[] {
    return [...this.#byGrant.keys()]
  }

  countFor(grantId: string): number {
    return this.#byGrant.get(grantId)?.size ?? 0
  }

  /** Closes every session of the grant; the protocol sends its native FATAL/close. */
  closeGrant(grantId: string, reason: string): number {
    const set = this.#byGrant.get(grantId)
    if (!set) return 0
    this.#byGrant.delete(grantId)
    for (const session of set) {
      try {
        session.close(reason)
      } catch {
        // A protocol that fails to close must not stop the others from closing.
      }
    }
    return set.size
  }
}
