// A session ends (client gone, grant ended, approver ended it): recorded with its session.ended entry; a
// session-bound grant ends with its last session. A store failure is retried (SessionEndRetries).
import { hashEntry } from '../audit/hash-chain.ts'
import type { CoreContext } from '../core-context.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import { endGrant } from '../grants/end-grant.ts'
import type { SessionHandle } from './session-handle.ts'

export async function closeSession(
  ctx: CoreContext,
  rt: CoreRuntime,
  session: SessionHandle,
  reason: string,
): Promise<void> {
  ctx.live.remove(session)
  rt.metrics.sessionClosed(session.resource.id, session.protocol)
  rt.recording.forget(session)
  rt.approvedActions.forget(session.id)
  await rt.recording.flush()
  const at = ctx.clock.now()
  const finish = async () => {
    await ctx.store.sessions.end(session.id, at, reason, {
      event: {
        type: 'session.ended',
        actor: session.grant.principalId,
        subject: session.id,
        data: { reason },
      },
      hashEntry,
    })
    void rt.anomalies.sessionClosed(session.grant)
    if (session.grant.sessionBound && ctx.live.countFor(session.grant.id) === 0) {
      const grant = await ctx.store.grants.get(session.grant.id)
      if (grant?.status === 'active') await endGrant(ctx, grant, 'session-closed', 'system')
    }
  }
  try {
    await finish()
  } catch (error) {
    rt.sessionEnds.add(session.id, finish)
    throw error
  }
}
