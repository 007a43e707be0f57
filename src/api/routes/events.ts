// GET /v1/events: server-sent events for the console's live pages. Core's change feed carries only ids
// (store LISTEN/NOTIFY, so changes made by another gateway process arrive too); each id is looked up
// as the caller, and an object the caller may not see is never sent.
import type { Core, Principal } from '../../core/index.ts'
import { isTaskgateError } from '../../core/index.ts'
import { approvalView } from '../approval-view.ts'
import { toGrantDto } from '../dto.ts'
import { defineRoute, type RouteSettings } from '../route-spec.ts'

type Channel = 'approval_changed' | 'grant_changed'

interface Stream {
  write(chunk: string): void
  logError(error: unknown): void
  onClose(listener: () => void): void
  end(): void
}

export const eventRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/events',
    operationId: 'streamEvents',
    summary: 'Live changes as server-sent events (text/event-stream)',
    description:
      'Events `approval.changed` (data `{ id, approval }`) and `grant.changed` (data `{ id, grant }`), for ' +
      'objects the caller may see, from every gateway process sharing the store. Comment lines are sent as ' +
      'heartbeats; the stream ends after a few minutes and EventSource reconnects (authenticating again).',
    tag: 'events',
    responses: { 200: { description: 'an event stream (text/event-stream)' } },
    handler: ({ core, principal, reply, request, settings }) => {
      reply.hijack()
      const raw = reply.raw
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx and similar proxies buffer responses unless told otherwise.
        'x-accel-buffering': 'no',
      })
      raw.flushHeaders()
      streamChanges(core, principal, settings, {
        write: (chunk) => void raw.write(chunk),
        onClose: (listener) => request.raw.once('close', listener),
        end: () => raw.end(),
        logError: (error) => request.log.error({ err: error }, 'could not send a change event'),
      })
    },
  }),
]

function streamChanges(core: Core, principal: Principal, settings: RouteSettings, stream: Stream): void {
  let nextId = 1
  // One lookup at a time keeps events in the order the changes were announced.
  let queue = Promise.resolve()
  const forward = (channel: Channel) => (id: string) => {
    queue = queue.then(async () => {
      try {
        const event = await visibleEvent(core, principal, channel, id)
        if (event && !closed)
          stream.write(`id: ${nextId++}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`)
      } catch (error) {
        // The next change, or a reload, shows the current state anyway; the stream stays up.
        stream.logError(error)
      }
    })
  }
  const unsubscribe = [
    core.subscribe('approval_changed', forward('approval_changed')),
    core.subscribe('grant_changed', forward('grant_changed')),
  ]
  let closed = false
  const heartbeat = setInterval(() => {
    if (!closed) stream.write(': heartbeat\n\n')
  }, settings.eventsHeartbeatMs)
  const lifetime = setTimeout(() => stop(true), settings.eventsMaxStreamMs)
  const stop = (end: boolean) => {
    if (closed) return
    closed = true
    clearInterval(heartbeat)
    clearTimeout(lifetime)
    for (const u of unsubscribe) u()
    if (end) stream.end()
  }
  stream.onClose(() => stop(false))
  // `retry` sets EventSource's reconnect delay; the comment makes proxies send the headers at once.
  stream.write('retry: 2000\n: connected\n\n')
}

async function visibleEvent(
  core: Core,
  principal: Principal,
  channel: Channel,
  id: string,
): Promise<{ type: string; data: unknown } | undefined> {
  try {
    if (channel === 'approval_changed') {
      const approval = await core.getApproval(principal, id)
      return { type: 'approval.changed', data: { id, approval: await approvalView(core, approval) } }
    }
    const grant = await core.getGrant(principal, id)
    return { type: 'grant.changed', data: { id, grant: toGrantDto(grant) } }
  } catch (error) {
    // Not found or not the caller's to see: nothing is sent, not even the id.
    if (isTaskgateError(error) && (error.kind === 'not-found' || error.kind === 'denied')) return undefined
    throw error
  }
}
