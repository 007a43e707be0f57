// Exfiltration budgets in the data path (issue 16): one BudgetMeter per grant with a budget, fed by the
// engines (result rows and bytes, through SessionHandle.countResult) and by core (each allowed statement and
// the objects it needs). A crossed threshold is audited (`budget.crossed`) and acted on: `warn` returns a
// message the engine relays natively; `hold` stores an Approval and returns a promise the engine waits on
// with the upstream paused (approved: the task goes on; denied or timed out: the grant ends); `end` ends the
// grant, which closes its sessions with the reason. Per process, like the other data-path limits.
import type { BudgetLevel } from '../../config/budget-config.ts'
import { actionDigest, holdAction } from '../approvals/hold-action.ts'
import type { CoreContext } from '../core-context.ts'
import { endGrant } from '../grants/end-grant.ts'
import type { Grant } from '../grants/grant.ts'
import type { ScopeEntry } from '../grants/scope.ts'
import type { SessionHandle } from '../sessions/session-handle.ts'
import { budgetForGrant } from './budget-for-grant.ts'
import { type BudgetCrossing, BudgetMeter, type BudgetUsage } from './budget-meter.ts'
import type { BudgetVerdict, ResultRead } from './budget-verdict.ts'

export type { BudgetVerdict, ResultRead }

export interface GrantBudgetView {
  limits: BudgetMeter['limits']
  used: BudgetUsage
  crossed: string[]
}

interface MeterEntry {
  meter: BudgetMeter
  /** The hold being decided, returned to every read of the grant until it is. */
  hold?: BudgetVerdict
  /** Why the grant is being ended. */
  ended?: string
}

/** Meters kept for grants this process has seen; the oldest is dropped past this many. */
const MAX_METERS = 10_000

export class GrantBudgets {
  readonly #ctx: CoreContext
  readonly #meters = new Map<string, MeterEntry>()
  /** Grants known to have no budget (their policies set none), so their results cost one lookup. */
  readonly #none = new Set<string>()

  constructor(ctx: CoreContext) {
    this.#ctx = ctx
  }

  /** An allowed statement of the session's grant. */
  countStatement(session: SessionHandle, needs: readonly ScopeEntry[] | undefined): void {
    this.#entry(session.grant)?.meter.addStatement(needs)
  }

  countResult(session: SessionHandle, read: ResultRead): BudgetVerdict | undefined {
    const entry = this.#entry(session.grant)
    if (!entry) return undefined
    if (entry.ended !== undefined) return { action: 'end', message: entry.ended }
    entry.meter.addRead(read)
    const crossing = entry.meter.nextCrossing()
    if (!crossing) return entry.hold
    const message = describeCrossing(crossing, session.grant)
    this.#audit(session, crossing)
    if (crossing.level === 'warn') return entry.hold ?? { action: 'warn', message }
    if (crossing.level === 'end') {
      entry.ended = message
      this.#end(session.grant, message)
      return { action: 'end', message }
    }
    entry.hold = this.#hold(session, crossing, message, () => {
      entry.hold = undefined
    })
    return entry.hold
  }

  /** The grant's budget and what it has used in this process; undefined when no budget applies. */
  view(grant: Grant): GrantBudgetView | undefined {
    const entry = this.#entry(grant)
    if (!entry) return undefined
    return { limits: entry.meter.limits, used: entry.meter.usage, crossed: entry.meter.crossed }
  }

  #entry(grant: Grant): MeterEntry | undefined {
    const known = this.#meters.get(grant.id)
    if (known || this.#none.has(grant.id)) return known
    const limits = budgetForGrant(grant, this.#ctx.config.policies)
    if (!limits) {
      if (this.#none.size >= MAX_METERS) this.#none.clear()
      this.#none.add(grant.id)
      return undefined
    }
    if (this.#meters.size >= MAX_METERS) this.#meters.delete(this.#meters.keys().next().value!)
    const entry: MeterEntry = { meter: new BudgetMeter(limits) }
    this.#meters.set(grant.id, entry)
    return entry
  }

  #hold(
    session: SessionHandle,
    crossing: BudgetCrossing,
    message: string,
    released: () => void,
  ): BudgetVerdict {
    const rule = `budget:${crossing.metric}`
    const text = `exfiltration budget: ${message}`
    const held = holdAction(
      this.#ctx,
      session,
      { outcome: 'approve-first', rule, reason: message },
      { protocol: session.protocol, kind: 'Budget', needs: [], traits: ['budget'], text },
      actionDigest(text),
      this.#ctx.approverGroupsFor(session.resource.id).length > 0
        ? this.#ctx.approverGroupsFor(session.resource.id)
        : this.#ctx.config.identity.adminGroups,
    )
    const goOn = held
      .then((h) => h.wait())
      .then((verdict) => {
        released()
        if (verdict.outcome === 'allow') return true
        this.#end(session.grant, `${message}; the hold was not approved (${verdict.reason})`)
        return false
      })
      .catch((error: unknown) => {
        // The hold could not be stored or read: fail closed, the task does not go on.
        this.#ctx.logger.error({ err: error, grantId: session.grant.id }, 'could not hold a budget crossing')
        this.#end(session.grant, `${message}; the hold could not be recorded`)
        return false
      })
    return { action: 'hold', message, approvalId: held.then((h) => h.approvalId), goOn }
  }

  #end(grant: Grant, message: string): void {
    const entry = this.#meters.get(grant.id)
    if (entry) entry.ended = message
    const note = `exfiltration budget: ${message}`
    void endGrant(this.#ctx, grant, 'revoked', 'system', note).catch((error: unknown) => {
      // The store would not take the end: the sessions close all the same.
      this.#ctx.logger.error({ err: error, grantId: grant.id }, 'could not end a grant over its budget')
      this.#ctx.live.closeGrant(grant.id, note)
    })
  }

  #audit(session: SessionHandle, crossing: BudgetCrossing): void {
    void this.#ctx
      .audit({
        type: 'budget.crossed',
        actor: session.grant.principalId,
        subject: session.grant.id,
        data: { session: session.id, ...crossing },
      })
      .catch((error: unknown) => {
        this.#ctx.logger.error({ err: error, grantId: session.grant.id }, 'could not audit a budget crossing')
      })
  }
}

const UNITS: Record<BudgetCrossing['metric'], string> = {
  rows: 'rows read',
  bytes: 'bytes read',
  statements: 'statements run',
  tables: 'distinct tables used',
}
const ACTS: Record<BudgetLevel, string> = {
  warn: 'a warning',
  hold: 'a person decides whether the task goes on',
  end: 'the grant ends',
}

function describeCrossing(c: BudgetCrossing, grant: Grant): string {
  return `grant ${grant.id} has ${c.used.toLocaleString('en')} ${UNITS[c.metric]}, over its budget's ${c.level} threshold of ${c.threshold.toLocaleString('en')} (${ACTS[c.level]})`
}
