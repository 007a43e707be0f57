// How a relay session ends: a FATAL of the gateway's own reaches the client at a message boundary (mid-way
// through a large row, the rest of that row is relayed first, for at most FATAL_WAIT_MS, so a session cut
// off during a result still hears why), and an upstream connection left idle between transactions may go
// back to the pool instead of being closed. Bad client bytes end it with a protocol violation.
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { toTaskgateError } from '../../core/index.ts'
import { protocolViolation, taskgateErrorFields } from './errors.ts'
import type { FrameScanner } from './wire/frame-scanner.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'
import { serializeErrorResponse } from './wire/server-messages.ts'

/** Grant end must close a session within 1 s: the tail of a row being relayed gets this long at most. */
const FATAL_WAIT_MS = 500

/** Sends `fatal` to the client at the next message boundary of what it receives, then calls `close`.
 * True while it waits for that boundary (the session is stopping: it reads no more client messages). */
export function fatalAtBoundary(
  sockets: { client: Duplex; upstream: Duplex; fromUpstream: FrameScanner },
  fatal: Buffer | undefined,
  closed: () => boolean,
  close: () => void,
): boolean {
  const { client, upstream, fromUpstream } = sockets
  if (!fatal || client.destroyed || fromUpstream.atBoundary) {
    if (fatal && !client.destroyed) client.write(fatal)
    close()
    return false
  }
  const timer = setTimeout(close, FATAL_WAIT_MS)
  timer.unref()
  fromUpstream.stopAtBoundary(() => {
    clearTimeout(timer)
    if (!closed() && !client.destroyed) client.write(fatal)
    close()
  })
  upstream.resume()
  return true
}

/** Whether the client left the upstream connection between transactions with nothing in flight: every
 * answer relayed (the last ReadyForQuery said idle), no statement awaiting a decision, no FATAL seen. */
export function idleBetweenTransactions(state: {
  upstream: Duplex
  pendingResponses: number
  deciderIdle: boolean
  readyStatus: number | undefined
  atBoundary: boolean
  sentFatal: boolean
}): boolean {
  return (
    !state.upstream.destroyed &&
    state.pendingResponses === 0 &&
    state.deciderIdle &&
    state.readyStatus === 0x49 /* 'I' */ &&
    state.atBoundary &&
    !state.sentFatal
  )
}

/** The FATAL that ends a session whose client bytes could not be handled: a protocol violation says what was
 * wrong; anything else is a bug, which must cost this connection only, never the gateway. */
export function clientFailureEnding(error: unknown, logger: Logger): { fatal: Buffer; reason: string } {
  if (error instanceof ProtocolViolation) {
    logger.info({ err: error.message }, 'client protocol violation')
    return { fatal: protocolViolation(error.message), reason: 'protocol violation' }
  }
  const failure = toTaskgateError(error)
  logger.error({ err: String(error), ref: failure.ref }, 'relay failed')
  return { fatal: serializeErrorResponse(taskgateErrorFields(failure, 'FATAL')), reason: 'internal error' }
}
