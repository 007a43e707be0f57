// One client connection under a grant, relaying to its upstream connection: frames flow through two
// FrameScanners (client-frames.ts hands statements to statement-decider.ts, on the kit's action gate:
// relay-statements.ts; server-frames.ts records), with backpressure both ways and the close paths: client
// gone, upstream gone, grant ended (FATAL 57P01 within 1 s: relay-ending.ts), bad client bytes.
import { performance } from 'node:perf_hooks'
import type { SessionEnding } from '../../core/index.ts'
import type { ClientFrames, DecidedStatement } from './client-frames.ts'
import { closeSockets } from './close-sockets.ts'
import { grantEnded, protocolViolation, sessionEnded, upstreamFailed } from './errors.ts'
import { IncompleteMessageWatch } from './incomplete-message-watch.ts'
import { PendingResponses } from './pending-responses.ts'
import { RelayBudget } from './relay-budget.ts'
import { clientFailureEnding, fatalAtBoundary, idleBetweenTransactions } from './relay-ending.ts'
import type { RelayOptions } from './relay-options.ts'
import { clientScanner, upstreamScanner } from './relay-scanners.ts'
import { createStatementPath } from './relay-statements.ts'
import { ResultTracker } from './result-tracker.ts'
import { type Completed, ServerFrames } from './server-frames.ts'
import { recordCompleted } from './session-records.ts'
import type { StatementDecider } from './statement-decider.ts'
import { StatementNamespace } from './statement-namespace.ts'
import { UpstreamStop } from './upstream-stop.ts'
import type { FrameScanner } from './wire/frame-scanner.ts'
import { serializeErrorResponse } from './wire/server-messages.ts'

export type { ClientLimits, RelayOptions } from './relay-options.ts'

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
  readonly #budget: RelayBudget
  readonly #done: Promise<string>
  #resolveDone!: (reason: string) => void

  constructor(options: RelayOptions) {
    this.#o = options
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve
    })
    const now = () => performance.now()
    const masking = options.core.maskingFor(options.handle.resource.id, options.handle.grant.groups)
    const statements = createStatementPath(options, {
      pending: this.#pending,
      namespace: this.#namespace,
      masking,
      now,
      signal: this.#abort.signal,
      // PostgreSQL sends notices between any two messages: the client hears at once that it waits.
      waiting: (notice) => this.#writeAtBoundary(serializeErrorResponse(notice, 0x4e)),
      closed: () => this.#closed,
      answer: (decided) => this.#answer(decided),
    })
    this.#decider = statements.decider
    this.#clientFrames = statements.clientFrames
    const tracker = new ResultTracker()
    this.#serverFrames = new ServerFrames({
      pending: this.#pending,
      tracker,
      namespace: this.#namespace,
      settled: () => this.#onSettled(),
      now,
      record: (c: Completed) => recordCompleted(options.core, options.handle, c),
      masking,
      catalog: options.catalog,
      resume: () => this.#resumeUpstreamScan(),
      interest: (type, on) => this.#fromUpstream.setInteresting(type, on),
    })
    const { client, upstream } = options
    this.#budget = new RelayBudget(options, () => this.#fromUpstream, {
      resume: () => this.#resumeUpstreamScan(),
      writeAtBoundary: (message) => this.#writeAtBoundary(message),
    })
    this.#fromClient = clientScanner(upstream, this.#clientFrames, tracker, options.maxMessageBytes)
    this.#fromUpstream = upstreamScanner(client, this.#serverFrames, this.#budget)
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
    this.#budget.count(chunk.length)
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
    this.#resumeClientScan(true)
  }

  /** The server answered a Sync or Query: a client message waiting on it may be decided now. */
  #onSettled(): void {
    this.#decider.transactionSettled(this.#serverFrames.readyStatus)
    if (!this.#clientFrames.waitingForServer) return
    this.#clientFrames.waitingForServer = false
    queueMicrotask(() => {
      if (!this.#closed) this.#resumeClientScan(false)
    })
  }

  /** Resumes the paused client scanner (and the socket, when nothing else holds it); `watch`: the message
   * it stopped in may have arrived only partly. */
  #resumeClientScan(watch: boolean): void {
    try {
      this.#fromClient.resume()
    } catch (error) {
      this.#onClientViolation(error)
      return
    }
    if (watch) this.#incomplete.check()
    if (this.#clientFrames.terminated) this.#close('client terminated')
    else this.#resumeClient()
  }

  #onClientViolation(error: unknown): void {
    const { fatal, reason } = clientFailureEnding(error, this.#o.logger)
    this.#shutdown(fatal, reason)
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

  /** Sends `fatal` to the client at the next message boundary of what it receives, then ends both sides
   * (relay-ending.ts). */
  #shutdown(fatal: Buffer | undefined, reason: string): void {
    if (this.#closed || this.#stopping) return
    const sockets = { client: this.#o.client, upstream: this.#o.upstream, fromUpstream: this.#fromUpstream }
    this.#stopping = fatalAtBoundary(
      sockets,
      fatal,
      () => this.#closed,
      () => this.#close(reason),
    )
  }

  /** Hands the upstream connection to `release` when the client left it between transactions with nothing in
   * flight. */
  #releaseUpstream(): boolean {
    const { upstream, release } = this.#o
    const idle =
      release !== undefined &&
      idleBetweenTransactions({
        upstream,
        pendingResponses: this.#pending.length,
        deciderIdle: this.#decider.idle,
        readyStatus: this.#serverFrames.readyStatus,
        atBoundary: this.#fromUpstream.atBoundary,
        sentFatal: this.#serverFrames.sentFatal,
      })
    if (!idle) return false
    for (const [event, listener] of Object.entries(this.#upstreamListeners)) upstream.off(event, listener)
    release(upstream)
    return true
  }

  #close(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#decider.ended()
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
