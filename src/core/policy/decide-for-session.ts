// core.decide: an action of a live session against its grant and the resource's rules. Synchronous (a pure
// pipeline over state the session already holds), timed for /metrics; a denial is audited in the background.
import type { CoreContext } from '../core-context.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import type { SessionHandle } from '../sessions/session-handle.ts'
import type { Action } from './action.ts'
import { decide } from './decide.ts'
import type { Decision } from './decision.ts'

export function decideForSession(
  ctx: CoreContext,
  rt: CoreRuntime,
  session: SessionHandle,
  action: Action,
): Decision {
  const started = performance.now()
  // Nothing runs that cannot be recorded (recording.onFailure: block): checked first, so the denial
  // does not wait on the store it could not write to (it is recorded and audited once the store is back).
  const decision =
    rt.recording.gate() ?? decide(action, session.grant, rt.rulesFor(session.resource), ctx.clock.now())
  rt.metrics.decisionTimed((performance.now() - started) / 1000)
  if (decision.outcome === 'deny') {
    rt.recording.auditDenial({
      type: 'action.denied',
      actor: session.grant.principalId,
      subject: session.id,
      data: {
        rule: decision.rule,
        kind: action.kind,
        text: (action.recordText ?? action.text).slice(0, 2000),
      },
    })
  }
  return decision
}
