// One execution of a held prepared statement (a Bind of a Parse answered approve-first, or of a SQL-prepared
// statement decided at each Bind): decided with its rows estimated for these parameter values when a rule
// asks, then, if a person must approve, held with the approval bound to its text and Bind parameters.
import { type Action, actionDigest, type Core, type Decision, type SessionHandle } from '../../core/index.ts'
import type { ApproveFirst } from '../kit/action-gate.ts'
import { digestForm, withParameters } from './approval-text.ts'
import type { HeldStatement } from './client-frames.ts'
import { type MaskLiteral, REDACTED } from './redact-literals.ts'
import { isExplainable, type RowEstimator } from './row-estimator.ts'
import type { BindParameter } from './wire/client-messages.ts'

export interface HeldExecutionDeps {
  core: Core
  handle: SessionHandle
  estimator?: RowEstimator | undefined
  /** Held at Parse only for its estimate: decided with each Bind's. */
  estimatedAtBind: boolean
  maskLiteral: MaskLiteral | undefined
  waitForApproval(decision: ApproveFirst, action: Action, digest: string): Promise<Decision>
}

export async function decideHeldExecution(
  deps: HeldExecutionDeps,
  held: HeldStatement,
  parameters: readonly BindParameter[],
): Promise<Decision> {
  const { core, handle } = deps
  let approveFirst = held.held
  let action = held.action
  // A SQL-prepared statement is decided at each Bind like `EXECUTE name`, with rows estimated if a rule
  // asks; one held at Parse for its estimate is decided with this Bind's.
  const estimate =
    deps.estimatedAtBind ||
    (held.decideAtBind && core.wantsRowEstimate(handle, action) && isExplainable(action.kind))
  if (estimate || held.decideAtBind) {
    const rows = estimate ? await deps.estimator?.estimateExecution(held.action.text, parameters) : undefined
    if (typeof rows === 'number') action = { ...action, estimatedRows: rows }
    const decided = core.decide(handle, action)
    if (decided.outcome !== 'approve-first') return decided
    approveFirst = decided
  }
  if (approveFirst === undefined) throw new Error('a held statement without its decision')
  const digest = actionDigest(held.action.text, parameters.map(digestForm))
  // held.text is the statement's recorded text (masked); its parameters are masked the same way. Shown as
  // recordText too: the gate shows an action's recordText when it has one. A statement that carries a
  // secret (dblink_connect($1)) shows none of its parameter values.
  const text = withParameters(
    held.text,
    parameters,
    action.traits.includes('contains-secret') ? () => REDACTED : deps.maskLiteral,
  )
  return deps.waitForApproval(approveFirst, { ...action, text, recordText: text }, digest)
}
