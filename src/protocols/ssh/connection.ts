// One authenticated SSH client: a core session under its grant, one upstream connection to the target as
// the session's login (opened at once, awaited by each channel), and its channels: sessions (exec, shell),
// direct-tcpip (`ssh -L`/`-D`) decided as `port-forward:LOGIN:HOST:PORT`; remote forwarding (`-R`) and
// every other global request refused. The grant's end (or an approver ending the session) writes the reason
// to every live channel, then closes the client and the upstream connection.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Client, Connection } from 'ssh2'
import { type Core, type GrantContext, toTaskgateError } from '../../core/index.ts'
import { ActionGate } from '../kit/action-gate.ts'
import { openPendingSession } from '../kit/open-session.ts'
import type { LiveSession } from '../kit/stream-listener.ts'
import { RecordingBudget } from './asciicast.ts'
import { connectUpstream, type UpstreamTarget } from './back.ts'
import { grantEndedLine } from './messages.ts'
import { serveForward } from './relay-forward.ts'
import { serveSessionChannel } from './session-channel.ts'
import type { LiveChannel, SessionContext } from './session-context.ts'

export interface ConnectionOptions {
  core: Core
  logger: Logger
  target: UpstreamTarget
  recordingsDir: string
  maxRecordingBytes: number
  client: string
  live: (session: LiveSession) => void
}

/** How long a terminated client gets to read the reason before its socket is destroyed. */
const GOODBYE_MS = 250
/** Channels (sessions and forwards) one client connection may hold open at once. */
export const MAX_OPEN_CHANNELS = 64
const MAX_GLOBAL_REQUESTS_RECORDED = 16

/** Attaches the channel listeners at once (ssh2 refuses a channel nobody listens for, and clients open one
 * right after the login), then opens the core session they wait for. */
export async function serveConnection(
  connection: Connection,
  context: GrantContext,
  login: string,
  options: ConnectionOptions,
): Promise<void> {
  const closedEarly = new Promise<void>((resolve) => connection.once('close', resolve))
  const ready = openSession(connection, context, login, options)
  // Every open channel holds buffers, a gate and often an upstream channel: a client opening them without
  // end must not grow the gateway without end (OpenSSH's sshd allows 10 sessions; forwards add more).
  let openChannels = 0
  const opened = (channel: { once(event: 'close', listener: () => void): unknown }) => {
    openChannels++
    channel.once('close', () => openChannels--)
  }
  connection.on('session', (accept, reject) => {
    if (openChannels >= MAX_OPEN_CHANNELS) return reject()
    const session = accept()
    opened(session)
    serveSessionChannel(ready, session, options.logger)
  })
  connection.on('tcpip', (accept, reject, info) => {
    if (openChannels >= MAX_OPEN_CHANNELS) return reject()
    openChannels++
    let released = false
    const release = () => {
      if (!released) openChannels--
      released = true
    }
    const counted = () => {
      const channel = accept()
      channel.once('close', release)
      return channel
    }
    const refuse = () => {
      release()
      reject()
    }
    void ready.then((s) => (s ? serveForward(s.session, counted, refuse, info) : refuse()))
  })
  // Refused global requests are recorded, the first few of a connection: a flood is not a store write each.
  let globalRequestsRecorded = 0
  connection.on('request', (_accept, reject, name) => {
    reject?.()
    if (++globalRequestsRecorded > MAX_GLOBAL_REQUESTS_RECORDED) return
    void ready.then((s) =>
      s?.session.core.recordAction(s.session.handle, {
        kind: name,
        text: name,
        outcome: 'deny',
        rule: 'ssh-forwarding',
        reason:
          name === 'tcpip-forward'
            ? 'remote forwarding (ssh -R) is never relayed, even with port-forward granted: the target would open a listener the gateway does not decide'
            : `global request ${name.slice(0, 64)} is not relayed`,
      }),
    )
  })
  const session = await ready
  if (!session) {
    connection.end()
    return closedEarly
  }
  await session.finished
}

interface OpenedSession {
  session: SessionContext
  finished: Promise<void>
}

async function openSession(
  connection: Connection,
  context: GrantContext,
  login: string,
  options: ConnectionOptions,
): Promise<OpenedSession | undefined> {
  const { core } = options
  let pending: Awaited<ReturnType<typeof openPendingSession>>
  try {
    pending = await openPendingSession(core, { context, protocol: 'ssh', client: options.client })
  } catch (error) {
    options.logger.warn({ code: toTaskgateError(error).code }, 'session refused')
    return undefined
  }
  const { handle } = pending
  const logger = options.logger.child({ sessionId: handle.id, grantId: context.grant.id, login })
  const channels = new Set<LiveChannel>()
  const closed = new AbortController()
  let ending: string | undefined
  let upstream: Promise<Client> | undefined
  let recordingDir: Promise<string> | undefined
  const session: SessionContext = {
    core,
    handle,
    logger,
    login,
    budget: new RecordingBudget(options.maxRecordingBytes),
    gate: ({ onWaiting, signal }) =>
      new ActionGate({
        core,
        handle,
        logger,
        signal: signal ? AbortSignal.any([signal, closed.signal]) : closed.signal,
        ...(onWaiting ? { onWaiting } : {}),
      }),
    upstream: () => {
      upstream ??= connectUpstream(options.target, {
        login,
        grantId: context.grant.id,
        // A grant without an end (bound to its session) gets an hour; the gateway ends the session anyway.
        grantEndsAt: context.grant.expiresAt ?? new Date(core.clock.now().getTime() + 3_600_000),
        now: core.clock.now(),
        permitPortForwarding: context.grant.scope.some((e) => e.verb === 'port-forward' || e.verb === '*'),
      })
      return upstream
    },
    recordingDir: () => {
      const dir = join(options.recordingsDir, handle.id)
      recordingDir ??= mkdir(dir, { recursive: true, mode: 0o700 }).then(() => dir)
      return recordingDir
    },
    track(channel) {
      channels.add(channel)
      return () => channels.delete(channel)
    },
    ending: () => ending,
  }
  const done = new Promise<string>((resolve) => {
    if ((connection as unknown as { _sock?: { destroyed?: boolean } })._sock?.destroyed)
      resolve('client closed')
    connection.once('close', () => resolve(ending ?? 'client closed'))
  })
  const terminate = (reason: string) => {
    if (ending !== undefined) return
    ending = reason
    for (const channel of channels) channel.terminate(grantEndedLine(reason))
    connection.end()
    void upstream?.then(
      (c) => c.end(),
      () => {},
    )
    const socket = (connection as unknown as { _sock?: { destroy(): void } })._sock
    setTimeout(() => socket?.destroy(), GOODBYE_MS).unref()
  }
  pending.attach((reason) => terminate(reason))
  options.live({ shutdown: () => terminate('the gateway is shutting down'), done })
  // Open the target now: a target that refuses is known before the first channel asks.
  session
    .upstream()
    .catch((error: unknown) => logger.warn({ code: toTaskgateError(error).code }, 'upstream login failed'))
  logger.info('session started')
  const finished = done.then(async (reason) => {
    closed.abort()
    void upstream?.then(
      (c) => c.end(),
      () => {},
    )
    await core.closeSession(handle, reason).catch(() => {})
    logger.info({ reason }, 'session ended')
  })
  return { session, finished }
}
