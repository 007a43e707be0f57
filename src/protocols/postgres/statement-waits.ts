// The statements that cannot be answered in the tick they arrive: one a `rowsOver` rule needs a row estimate
// for (EXPLAIN first), one held for a person (a Query at once; a Parse at each of its Binds, bound to the
// parameter values), each answered once the estimate or the verdict is in. statement-decider.ts hands them
// over; the kit's action gate holds them (its waiting notice tells the client).
import type { Logger } from 'pino'
import { type Action, actionDigest, type Core, type Decision, type SessionHandle } from '../../core/index.ts'
import type { ActionGate, ApproveFirst } from '../kit/action-gate.ts'
import type { ClassifiedSql } from './classify.ts'
import type { DecidedStatement, HeldStatement } from './client-frames.ts'
import { decideHeldExecution } from './held-execution.ts'
import type { MaskLiteral } from './redact-literals.ts'
import { AT_BIND, type RowEstimator } from './row-estimator.ts'
import { allowed, describedBy } from './statement-answers.ts'
import type { BindParameter } from './wire/client-messages.ts'

export interface StatementWaitsDeps {
  core: Core
  handle: SessionHandle
  gate: ActionGate<ClassifiedSql>
  logger: Logger
  estimator?: RowEstimator | undefined
  maskLiteral: MaskLiteral | undefined
  closed(): boolean
  /** The answer for a decided statement (statement-decider.ts; never cached from here). */
  decided(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
    decision: Decision,
  ): DecidedStatement | Promise<DecidedStatement>
  /** Starts an allowed statement (its start record). */
  start(
    decided: DecidedStatement,
    classified: ClassifiedSql,
    statement: string | undefined,
  ): DecidedStatement | Promise<DecidedStatement>
  /** A person's wait is not latency the gateway added: drops the statement's added-latency sample. */
  personWaits(): void
}

export class StatementWaits {
  readonly #o: StatementWaitsDeps
  /** Held Parses whose rows are estimated (and then decided) at each Bind, with the parameter values. */
  readonly #estimatedAtBind = new WeakSet<Action>()

  constructor(deps: StatementWaitsDeps) {
    this.#o = deps
  }

  /** Estimates the statement's rows, then decides it with the estimate (unknown when EXPLAIN cannot tell). */
  async decideEstimated(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
  ): Promise<DecidedStatement> {
    const rows = await this.#o.estimator!.estimate(text, statement !== undefined)
    if (rows === AT_BIND && statement !== undefined) {
      // Held like an approve-first Parse, so each Bind pauses; holdExecution then decides with the estimate.
      // A copy: the classifier may hand the same Action to other statements of the same text.
      const held = { ...classified.action }
      this.#estimatedAtBind.add(held)
      const atBind: ApproveFirst = {
        outcome: 'approve-first',
        rule: 'row-estimate',
        reason: 'rows are estimated at each Bind',
      }
      return {
        kind: classified.action.kind,
        action: classified.action,
        decision: atBind,
        held,
        ...describedBy(classified, text),
      }
    }
    const estimated: ClassifiedSql =
      rows === undefined || rows === AT_BIND
        ? classified
        : { ...classified, action: { ...classified.action, estimatedRows: rows } }
    const decision = this.#o.core.decide(this.#o.handle, estimated.action)
    if (decision.outcome === 'approve-first' && statement === undefined)
      return this.awaitApproval(text, statement, estimated, decision)
    return this.#o.decided(text, statement, estimated, decision)
  }

  /** A Query that needs an approval: holds it until an approver decides. */
  async awaitApproval(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
    approveFirst: ApproveFirst,
  ): Promise<DecidedStatement> {
    if (statement !== undefined) throw new Error('a Parse is held at each Bind, not at Parse')
    this.#o.personWaits()
    const decision = await this.#waitForApproval(approveFirst, classified.action, actionDigest(text))
    if (decision.outcome !== 'allow')
      return { kind: classified.action.kind, decision, ...describedBy(classified, text) }
    // Approved: with what it PREPAREs, so a Bind of those names is decided (statement-namespace.ts).
    return this.#o.start({ ...allowed(classified, text), decision }, classified, statement)
  }

  /** One execution of a held prepared statement: the approval binds its text and its Bind parameters. A
   * failure to hold it is a denial. */
  async holdExecution(held: HeldStatement, parameters: readonly BindParameter[]): Promise<Decision> {
    try {
      const deps = {
        ...this.#o,
        estimatedAtBind: this.#estimatedAtBind.has(held.action),
        waitForApproval: (d: ApproveFirst, action: Action, digest: string) =>
          this.#waitForApproval(d, action, digest),
      }
      return await decideHeldExecution(deps, held, parameters)
    } catch (error) {
      this.#o.logger.error({ err: String(error) }, 'holding a statement failed')
      return {
        outcome: 'deny',
        code: 'TG_STORE_UNAVAILABLE',
        rule: 'error',
        reason: 'the gateway could not hold the statement for approval',
      }
    }
  }

  /** Holds the statement for a person through the gate, which tells the client (the session's waiting
   * notice); `digest` binds the approval to the statement text and, in the extended protocol, its
   * parameters. A session already closed asks nobody. */
  async #waitForApproval(decision: ApproveFirst, action: Action, digest: string): Promise<Decision> {
    if (this.#o.closed()) return decision
    const { verdict, approvalId } = await this.#o.gate.approval(action, decision, digest)
    return verdict.outcome === 'approve-first' ? { ...decision, approvalId } : verdict
  }
}
