// core.holdAction: an approve-first action of a live session waits for the guardrail's approvers (else the
// resource's, else the administrators); once approved, its record carries the approval (ApprovedActions).
import type { CoreContext } from '../core-context.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import { countHeld } from '../metrics/count-held.ts'
import type { Action } from '../policy/action.ts'
import type { Decision } from '../policy/decision.ts'
import type { SessionHandle } from '../sessions/session-handle.ts'
import type { HeldAction } from './held-action.ts'
import { holdAction } from './hold-action.ts'

export async function holdSessionAction(
  ctx: CoreContext,
  rt: CoreRuntime,
  session: SessionHandle,
  request: { decision: Extract<Decision, { outcome: 'approve-first' }>; action: Action; digest: string },
): Promise<HeldAction> {
  const { decision, action, digest } = request
  const guardrail = rt
    .rulesFor(session.resource)
    .guardrails.find((g) => `guardrail:${g.id}` === decision.rule)
  const approvers = guardrail?.approverGroups ?? ctx.approverGroupsFor(session.resource.id)
  const held = await holdAction(
    ctx,
    session,
    decision,
    action,
    digest,
    approvers.length > 0 ? approvers : ctx.config.identity.adminGroups,
    (approval) => rt.approvedActions.add(session.id, action.text, approval),
  )
  return countHeld(held, session.resource.id, rt.metrics)
}
