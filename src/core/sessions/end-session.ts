// Ends one live session (one client connection) while its grant stays active: an approver who sees a
// session misbehave stops it without taking the task's access away. The session may be served by another
// gateway process sharing the store, so the request also travels over the store's notifications.
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import type { SessionRecord } from '../recording/events.ts'

/** Payload of `session_end_requested`: which session, and the reason its client is told. */
interface SessionEndRequest {
  sessionId: string
  reason: string
}

export async function endSession(
  ctx: CoreContext,
  actor: Principal,
  sessionId: string,
  reason: string,
): Promise<SessionRecord> {
  const session = await ctx.store.sessions.get(sessionId)
  const approver = session
    ? ctx.approverGroupsFor(session.resourceId).some((g) => actor.groups.includes(g))
    : false
  if (!session || (!ctx.isAdmin(actor) && !approver)) {
    // Others learn nothing about which sessions exist.
    if (session?.principalId === actor.id)
      throw new TaskgateError('TG_FORBIDDEN', {
        message: 'Only administrators and the resource approvers end sessions; close your client instead.',
      })
    throw new TaskgateError('TG_NOT_FOUND', { message: `No session ${sessionId}.` })
  }
  if (!reason.trim())
    throw new TaskgateError('TG_REQUEST_INVALID', { message: 'Say why: the reason is recorded and shown.' })
  if (session.endedAt)
    throw new TaskgateError('TG_CONFLICT', { message: `Session ${sessionId} has already ended.` })
  await ctx.audit({
    type: 'session.terminated',
    actor: actor.id,
    subject: session.id,
    data: { grant: session.grantId, reason },
  })
  const told = `session ended by ${actor.name}: ${reason}`
  if (ctx.live.closeSession(session.id, told)) return session
  // A session whose process is gone from the registry (or that predates it) is open nowhere: it outlived a
  // crash. Record its end. Otherwise its process, this one or a peer (workers share an embedded store's
  // events too), closes it on the request below.
  const processes = await ctx.store.processes.list()
  if (!session.processId || !processes.some((p) => p.id === session.processId)) {
    const at = ctx.clock.now()
    await ctx.store.sessions.end(session.id, at, told)
    return { ...session, endedAt: at, endReason: told }
  }
  const request: SessionEndRequest = { sessionId: session.id, reason: told }
  await ctx.store.publish('session_end_requested', JSON.stringify(request))
  return session
}

/** Closes a session another process asked to end, when it is open here; malformed payloads are ignored. */
export function onSessionEndRequested(ctx: CoreContext, payload: string): void {
  let request: Partial<SessionEndRequest>
  try {
    request = JSON.parse(payload) as Partial<SessionEndRequest>
  } catch {
    return
  }
  if (typeof request.sessionId === 'string' && typeof request.reason === 'string')
    ctx.live.closeSession(request.sessionId, request.reason.slice(0, 1200))
}
