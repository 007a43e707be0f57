// A client connection under a live grant becomes a session: limits checked, stored with its session.started
// audit entry, registered live (so a grant's end closes it).
import { hashEntry } from '../audit/hash-chain.ts'
import type { CoreContext } from '../core-context.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import { newId } from '../ids.ts'
import type { GrantContext, SessionEnding, SessionHandle } from './session-handle.ts'
import { refuseOverSessionLimits } from './session-limits.ts'

export interface OpenSessionInput {
  context: GrantContext
  protocol: string
  client: string
  close: (reason: string, ending?: SessionEnding) => void
}

export async function openSession(
  ctx: CoreContext,
  rt: CoreRuntime,
  { context, protocol, client, close }: OpenSessionInput,
): Promise<SessionHandle> {
  refuseOverSessionLimits(ctx.live, context.grant, ctx.config.limits)
  const id = newId('s')
  const handle: SessionHandle = {
    id,
    grant: context.grant,
    resource: context.resource,
    protocol,
    close,
    countResult: (read) => rt.budgets.countResult(handle, read),
  }
  // The session and its session.started entry land in one transaction: a login burst that saturates the
  // store fails logins, never leaves a session without its audit entry. The store counts the limits again
  // across every gateway process sharing it (replicas, workers): each process alone sees only its own.
  const { sessionsPerGrant, sessionsPerPrincipal } = ctx.config.limits
  await ctx.store.sessions.insert(
    {
      id,
      grantId: context.grant.id,
      principalId: context.grant.principalId,
      principalName: context.grant.principalName,
      resourceId: context.resource.id,
      protocol,
      client,
      startedAt: ctx.clock.now(),
      processId: ctx.processId,
    },
    {
      event: {
        type: 'session.started',
        actor: context.grant.principalId,
        subject: id,
        data: { grant: context.grant.id, protocol, client },
      },
      hashEntry,
    },
    { perGrant: sessionsPerGrant, perPrincipal: sessionsPerPrincipal },
  )
  ctx.live.add(handle)
  rt.metrics.sessionOpened(context.resource.id, protocol)
  return handle
}
