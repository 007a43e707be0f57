// Anomaly signals recorded on the grant (issue 16): each signal a grant shows is audited once, as
// `anomaly.detected` with the grant as subject, when its request is decided and after each of its sessions
// (what ran is known then). Computing them reads the store: never on the statement path, never awaited by a
// client after the request. Remembered per grant in this process (bounded) so a signal is audited once;
// after sessions, at most once a minute per grant and two grants at a time (the rest is seen on request by
// `grant show`, the evidence route and approval cards, which compute it afresh).
import type { CoreContext } from '../core-context.ts'
import type { Grant } from '../grants/grant.ts'
import { type GrantEvidence, grantEvidence } from './grant-evidence.ts'

const MAX_GRANTS_REMEMBERED = 10_000
/** After a session, a grant's signals are computed again at most this often, and at most MAX_RUNNING grants
 * at a time (later closes skip): a burst of short sessions must not turn into a burst of store reads. */
const SESSION_RECHECK_MS = 60_000
const MAX_RUNNING = 2

export class AnomalyAudit {
  readonly #ctx: CoreContext
  readonly #audited = new Map<string, Set<string>>()
  readonly #checkedAt = new Map<string, number>()
  #running = 0

  constructor(ctx: CoreContext) {
    this.#ctx = ctx
  }

  /** The evidence of a grant request just decided (returned to the requester), its signals audited. */
  async requested(grant: Grant): Promise<GrantEvidence> {
    const evidence = await grantEvidence(this.#ctx, grant, false)
    await this.#audit(grant, evidence)
    return evidence
  }

  /** After a session of the grant closed: signals from what it ran. Never throws. */
  async sessionClosed(grant: Grant): Promise<void> {
    const now = this.#ctx.clock.now().getTime()
    const last = this.#checkedAt.get(grant.id)
    if (this.#running >= MAX_RUNNING || (last !== undefined && now - last < SESSION_RECHECK_MS)) return
    if (this.#checkedAt.size >= MAX_GRANTS_REMEMBERED) this.#checkedAt.clear()
    this.#checkedAt.set(grant.id, now)
    this.#running++
    try {
      await this.#audit(grant, await grantEvidence(this.#ctx, grant, true))
    } catch (error) {
      this.#ctx.logger.warn({ err: error, grantId: grant.id }, 'could not compute anomaly signals')
    } finally {
      this.#running--
    }
  }

  async #audit(grant: Grant, evidence: GrantEvidence): Promise<void> {
    let done = this.#audited.get(grant.id)
    const fresh = evidence.signals.filter((s) => !done?.has(`${s.kind}:${(s.items ?? []).join(',')}`))
    if (fresh.length === 0) return
    if (!done) {
      if (this.#audited.size >= MAX_GRANTS_REMEMBERED)
        this.#audited.delete(this.#audited.keys().next().value!)
      done = new Set()
      this.#audited.set(grant.id, done)
    }
    for (const s of fresh) done.add(`${s.kind}:${(s.items ?? []).join(',')}`)
    await this.#ctx.audit({
      type: 'anomaly.detected',
      actor: 'system',
      subject: grant.id,
      data: { principal: grant.principalId, resource: grant.resourceId, signals: fresh },
    })
  }
}
