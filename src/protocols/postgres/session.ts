// One client connection under a grant, relaying to its upstream connection: frames flow through two
// FrameScanners (client-frames.ts hands statements to statement-decider.ts, on the kit's action gate;
// server-frames.ts records), with backpressure both ways and the close paths: client gone, upstream gone,
// grant ended (FATAL 57P01 within 1 s), bad client bytes.
import { performance } from 'node:perf_hooks'
import { type SessionEnding, toTaskgateError } from '../../core/index.ts'
import { ResultBudget } from '../kit/result-budget.ts'
import { CLIENT_TYPES_READ, ClientFrames, type DecidedStatement } from './client-frames.ts'
import { closeSockets } from './close-sockets.ts'
import { createStatementDecider } from './create-statement-decider.ts'
import { grantEnded, protocolViolation, sessionEnded, taskgateErrorFields, upstreamFailed } from './errors.ts'
import { IncompleteMessageWatch } from './incomplete-message-watch.ts'
import { PendingResponses } from './pending-responses.ts'
import type { RelayOptions } from './relay-options.ts'
import { ResultTracker } from './result-tracker.ts'
import { type Completed, SERVER_TYPES_READ, ServerFrames } from './server-frames.ts'
import { recordCompleted, recordDenial } from './session-records.ts'
import type { StatementDecider } from './statement-decider.ts'
import { StatementNamespace } from './statement-namespace.ts'
import { UpstreamStop } from './upstream-stop.ts'
import { FrameScanner, PAUSE, PROTOCOL_MAX_FRAME_BYTES } from './wire/frame-scanner.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'
import { serializeErrorResponse } from './wire/server-messages.ts'

export type { ClientLimits, RelayOptions } from './relay-options.ts'

const _CLOSE_GRACE_MS = 1_000
/** Grant end must close a session within 1 s: the tail of a row being relayed gets this long at most. */
const FATAL_WAIT_MS = 500

export class RelaySession {
  readonly #o: RelayOptions
  readonly #pending = new PendingResponses()
  readonly #clientFrames: ClientFrames
  readonly #serverFrames: ServerFrames
  readonly #fromClient: FrameScanner
  readonly #incomplete: IncompleteMessageWatch
  readonly #upstreamStop: UpstreamStop
  readonly #fromUpstream: FrameScanner
  readonly #decider: StatementDecider
  /** The session's prepared statements (SQL PREPARE and protocol Parse share PostgreSQL's namespace) and
   * portals, as the server has confirmed them: what a Bind binds and what `EXECUTE name` runs. */
  readonly #namespace = new StatementNamespace()
  #closed = false
  /** Finishing the row being relayed before a FATAL; the client's messages are no longer read. */
  #stopping = false
  /** Aborts approval waits when the session closes. */
  readonly #abort = new AbortController()
  /** The grant's exfiltration budget, fed with each upstream chunk's bytes and each result's rows. */
  readonly #budget: ResultBudget
  /** DataRows of the upstream scanner already reported to the budget. */
  #rowsCounted = 0
  readonly #done: Promise<string>
  #resolveDone!: (reason: string) => void

  constructor(options: RelayOptions) {
    this.#o = options
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve
    })
    const now = () => performance.now()
    const masking = options.core.maskingFor(options.handle.resource.id, options.handle.grant.groups)
    this.#decider = createStatementDecider(options, {
      namespace: this.#namespace,
      masking,
      signal: this.#abort.signal,
      // PostgreSQL sends notices between any two messages: the client hears at once that it waits.
      waiting: (notice) => this.#writeAtBoundary(serializeErrorResponse(notice, 0x4e)),
      closed: () => this.#closed,
      answer: (decided) => this.#answer(decided),
    })
    this.#clientFrames = new ClientFrames({
      pending: this.#pending,
      namespace: this.#namespace,
      now,
      decideNow: (text, statement) => this.#decider.decideNow(text, statement),
      decide: (text, statement) => void this.#decider.decideLater(text, statement),
      hold: (held, parameters) => void this.#decider.holdExecution(held, parameters),
      recordDenial: (statement, decision) => recordDenial(options.core, options.handle, statement, decision),
      start: (statement) => this.#decider.startExecution(statement),
    })
    const tracker = new ResultTracker()
    this.#serverFrames = new ServerFrames({
      pending: this.#pending,
      tracker,
      namespace: this.#namespace,
      settled: () => this.#onSettled(),
      now,
      record: (c) => this.#record(c),
      masking,
      catalog: options.catalog,
      resume: () => this.#resumeUpstreamScan(),
      interest: (type, on) => this.#fromUpstream.setInteresting(type, on),
    })
    const { client, upstream } = options
    this.#budget = new ResultBudget({
      handle: options.handle,
      logger: options.logger,
      // Paused at the next frame boundary (see the upstream scanner's sink), so a notice can follow at once;
      // rows become interesting again so the stop comes at the next one.
      pause: () => this.#fromUpstream.setInteresting(0x44 /* DataRow */, true),
      resume: () => this.#resumeUpstreamScan(),
      notice: (severity, message, hint) => this.#notice(severity, message, hint),
    })
    this.#fromClient = new FrameScanner(
      CLIENT_TYPES_READ,
      {
        // The tracker follows what is forwarded, so results can be matched to what they answer.
        frame: (t, f) => tracker.forwarded(this.#clientFrames.frame(t, f), t, f),
        pass: (b) => upstream.write(b),
      },
      options.maxMessageBytes,
    )
    this.#fromUpstream = new FrameScanner(
      SERVER_TYPES_READ,
      {
        frame: (t, f) => {
          // Before ReadyForQuery the result's rows are reported, so a warning reaches the client while it
          // still reads this response (psql -c stops reading at ReadyForQuery).
          if (t === 0x5a /* ReadyForQuery */ && !this.#budget.holding) this.#countRead(0)
          return this.#budget.holding ? PAUSE : this.#serverFrames.frame(t, f)
        },
        pass: (b) => client.write(b),
      },
      PROTOCOL_MAX_FRAME_BYTES,
      0x44 /* DataRow: the budget's rows, counted as the scanner reads frame headers */,
    )
    this.#incomplete = new IncompleteMessageWatch(
      this.#fromClient,
      options.limits.incompleteMessageTimeoutMs,
      (timeoutMs) => {
        this.#o.logger.info({ timeoutMs }, 'client stalled inside a message')
        this.#shutdown(
          protocolViolation(
            `a message did not arrive whole within ${timeoutMs / 1000} s; the connection is closed`,
          ),
          'incomplete message',
        )
      },
    )
    this.#upstreamStop = new UpstreamStop(options.stopUpstream, upstream, options.logger)
  }

  /** Resolves with the reason once both sockets are closed. */
  get done(): Promise<string> {
    return this.#done
  }

  readonly #upstreamListeners = {
    data: (chunk: Buffer) => this.#onUpstreamData(chunk),
    drain: () => this.#resumeClient(),
    error: (error: Error) => this.#o.logger.debug({ err: error.message }, 'upstream socket error'),
    close: () => this.#onUpstreamClosed(),
  }

  /** Starts relaying; `clientLeftover`/`upstreamLeftover` are bytes read during the handshakes. */
  start(clientLeftover: Buffer, upstreamLeftover: Buffer): void {
    const { client, upstream } = this.#o
    client.on('data', (chunk: Buffer) => this.#onClientData(chunk))
    client.on('drain', () => this.#resumeUpstream())
    client.on('error', (error) => this.#o.logger.debug({ err: error.message }, 'client socket error'))
    client.on('close', () => this.#close('client disconnected'))
    for (const [event, listener] of Object.entries(this.#upstreamListeners)) upstream.on(event, listener)
    if (upstreamLeftover.length > 0) this.#onUpstreamData(upstreamLeftover)
    if (clientLeftover.length > 0) this.#onClientData(clientLeftover)
    client.resume()
    upstream.resume()
  }

  /** Core calls this when the grant ends, or an approver ends this session: the client gets FATAL 57P01
   * saying which, with the reason; both sockets close. */
  terminate(reason: string, ending: SessionEnding = 'grant'): void {
    if (this.#closed || this.#stopping) return
    this.#o.logger.info({ reason }, `closing session: ${ending} ended`)
    this.#upstreamStop.cancel(this.#pending.length > 0)
    if (ending === 'session') this.#shutdown(sessionEnded(reason), reason)
    else this.#shutdown(grantEnded(reason), `grant ended: ${reason}`)
  }

  /** Ends the session with the given FATAL ErrorResponse (gateway shutdown). */
  stop(fatal: Buffer): void {
    if (this.#closed || this.#stopping) return
    this.#upstreamStop.cancel(this.#pending.length > 0)
    this.#shutdown(fatal, 'gateway shutting down')
  }

  #onClientData(chunk: Buffer): void {
    if (this.#closed || this.#stopping) return
    // A decision usually resolves within the same tick: pausing the socket for it costs more than it
    // saves. A client that keeps sending while a decision is pending is paused on its second chunk.
    const waitingAlready = this.#fromClient.paused
    try {
      this.#fromClient.push(chunk)
    } catch (error) {
      this.#onClientViolation(error)
      return
    }
    this.#incomplete.check()
    if (this.#clientFrames.terminated) {
      this.#close('client terminated')
      return
    }
    if (waitingAlready || this.#o.upstream.writableNeedDrain) this.#o.client.pause()
  }

  #onUpstreamData(chunk: Buffer): void {
    if (this.#closed) return
    // One chunk may come out as many pieces (forwarded runs between rewritten rows): cork so they leave
    // in one writev instead of one syscall per piece.
    const { client } = this.#o
    client.cork()
    try {
      this.#fromUpstream.push(chunk)
    } catch (error) {
      client.uncork()
      this.#o.logger.warn({ err: String(error) }, 'malformed upstream message')
      this.#shutdown(upstreamFailed('lost'), 'malformed upstream message')
      return
    }
    client.uncork()
    this.#countRead(chunk.length)
    if (this.#o.client.writableNeedDrain || this.#fromUpstream.paused) this.#o.upstream.pause()
  }

  /** Masking paused the upstream stream to learn table names or COPY columns; it knows them now. */
  #resumeUpstreamScan(): void {
    if (this.#closed) return
    try {
      this.#fromUpstream.resume()
    } catch (error) {
      this.#o.logger.warn({ err: String(error) }, 'malformed upstream message')
      this.#shutdown(upstreamFailed('lost'), 'malformed upstream message')
      return
    }
    if (!this.#fromUpstream.paused && !this.#o.client.writableNeedDrain && !this.#budget.holding)
      this.#o.upstream.resume()
  }

  #resumeClient(): void {
    if (!this.#closed && !this.#fromClient.paused && !this.#o.upstream.writableNeedDrain)
      this.#o.client.resume()
  }

  #resumeUpstream(): void {
    if (!this.#closed && !this.#budget.holding) this.#o.upstream.resume()
  }

  /** Reports to the budget the bytes of an upstream chunk and the DataRows read since the last report. */
  #countRead(bytes: number): void {
    const rows = this.#fromUpstream.counted - this.#rowsCounted
    this.#rowsCounted += rows
    if (rows > 0 || bytes > 0) this.#budget.count({ bytes, rows })
  }

  /** A NoticeResponse of the gateway's own, at the next message boundary of the upstream stream. */
  #notice(severity: 'WARNING' | 'NOTICE', message: string, hint: string): void {
    const code = severity === 'WARNING' ? '01000' : '00000'
    this.#writeAtBoundary(serializeErrorResponse({ severity, code, message, hint }, 0x4e))
  }

  /** Writes a message of the gateway's own to the client; mid-way through a relayed row it waits for the
   * end of that message. */
  #writeAtBoundary(message: Buffer): void {
    this.#fromUpstream.whenAtBoundary(() => {
      if (!this.#closed && !this.#o.client.destroyed) this.#o.client.write(message)
    })
  }

  /** Hands a decision to the paused client scanner and resumes it. */
  #answer(decided: DecidedStatement): void {
    if (this.#closed) return
    this.#clientFrames.answer(decided)
    try {
      this.#fromClient.resume()
    } catch (error) {
      this.#onClientViolation(error)
      return
    }
    this.#incomplete.check()
    if (this.#clientFrames.terminated) this.#close('client terminated')
    else this.#resumeClient()
  }

  /** The server answered a Sync or Query: a client message waiting on it may be decided now. */
  #onSettled(): void {
    if (!this.#clientFrames.waitingForServer) return
    this.#clientFrames.waitingForServer = false
    queueMicrotask(() => {
      if (this.#closed) return
      try {
        this.#fromClient.resume()
      } catch (error) {
        this.#onClientViolation(error)
        return
      }
      if (this.#clientFrames.terminated) this.#close('client terminated')
      else this.#resumeClient()
    })
  }

  #record(c: Completed): void {
    recordCompleted(this.#o.core, this.#o.handle, c)
  }

  #onClientViolation(error: unknown): void {
    if (error instanceof ProtocolViolation) {
      this.#o.logger.info({ err: error.message }, 'client protocol violation')
      this.#shutdown(protocolViolation(error.message), 'protocol violation')
      return
    }
    // A bug must cost this connection only, never the gateway.
    const failure = toTaskgateError(error)
    this.#o.logger.error({ err: String(error), ref: failure.ref }, 'relay failed')
    this.#shutdown(serializeErrorResponse(taskgateErrorFields(failure, 'FATAL')), 'internal error')
  }

  #onUpstreamClosed(): void {
    if (this.#closed) return
    // Mid-way through a row nothing more can come to finish it: close without a last message.
    if (this.#stopping || !this.#fromUpstream.atBoundary) {
      this.#close('upstream closed')
      return
    }
    // The upstream's own FATAL (e.g. pg_terminate_backend) already told the client why.
    this.#shutdown(this.#serverFrames.sentFatal ? undefined : upstreamFailed('lost'), 'upstream closed')
  }

  /** Sends `fatal` to the client at the next message boundary of what it receives, then ends both sides.
   * Mid-way through a large row the rest of that row is relayed first (for at most FATAL_WAIT_MS), so a
   * session cut off during a result still hears why. */
  #shutdown(fatal: Buffer | undefined, reason: string): void {
    if (this.#closed || this.#stopping) return
    const { client } = this.#o
    if (!fatal || client.destroyed || this.#fromUpstream.atBoundary) {
      if (fatal && !client.destroyed) client.write(fatal)
      this.#close(reason)
      return
    }
    this.#stopping = true
    const timer = setTimeout(() => this.#close(reason), FATAL_WAIT_MS)
    timer.unref()
    this.#fromUpstream.stopAtBoundary(() => {
      clearTimeout(timer)
      if (!this.#closed && !client.destroyed) client.write(fatal)
      this.#close(reason)
    })
    this.#o.upstream.resume()
  }

  /** Hands the upstream connection to `release` when the client left it between transactions with nothing in
   * flight: every answer relayed (the last ReadyForQuery said idle), no statement awaiting a decision. */
  #releaseUpstream(): boolean {
    const { upstream, release } = this.#o
    const idle =
      release !== undefined &&
      !upstream.destroyed &&
      this.#pending.length === 0 &&
      this.#decider.idle &&
      this.#serverFrames.readyStatus === 0x49 &&
      this.#fromUpstream.atBoundary &&
      !this.#serverFrames.sentFatal
    if (!idle) return false
    for (const [event, listener] of Object.entries(this.#upstreamListeners)) upstream.off(event, listener)
    release(upstream)
    return true
  }

  #close(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#incomplete.stop()
    this.#abort.abort()
    this.#o.estimator?.close()
    const { client, upstream } = this.#o
    const released = reason === 'client terminated' && this.#releaseUpstream()
    if (!released) this.#upstreamStop.terminateIfLingering()
    closeSockets(client, upstream, released, () => this.#resolveDone(reason))
    this.#o.core.closeSession(this.#o.handle, reason).catch((error: unknown) => {
      this.#o.logger.warn({ err: String(error) }, 'recording the session close failed')
    })
  }
}
