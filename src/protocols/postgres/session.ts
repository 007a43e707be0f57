// One client connection under a grant, relaying to its upstream connection: frames flow through two
// FrameScanners (client-frames.ts decides, server-frames.ts records), with backpressure both ways and
// the close paths: client gone, upstream gone, grant ended (FATAL 57P01 within 1 s), bad client bytes.
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import {
  type Action,
  ALLOW,
  actionDigest,
  type Core,
  type Decision,
  type MaskingContext,
  maskValue,
  type SessionEnding,
  type SessionHandle,
  toTaskgateError,
} from '../../core/index.ts'
import { ResultBudget } from '../kit/result-budget.ts'
import type { ClassifiedSql, Classifier } from './classify.ts'
import {
  CLIENT_TYPES_READ,
  ClientFrames,
  type DecidedStatement,
  functionCallOf,
  type HeldStatement,
  WAIT_FOR_SERVER,
} from './client-frames.ts'
import {
  grantEnded,
  protocolViolation,
  sessionEnded,
  syntaxErrorFields,
  taskgateErrorFields,
  upstreamFailed,
  waitingNotice,
} from './errors.ts'
import { type FunctionName, type FunctionNames, functionCallSql } from './function-names.ts'
import { PendingResponses, type StatementInfo } from './pending-responses.ts'
import { type MaskLiteral, REDACTED, recordableText } from './redact-literals.ts'
import { ResultTracker } from './result-tracker.ts'
import { AT_BIND, isExplainable, type RowEstimator } from './row-estimator.ts'
import { type Completed, SERVER_TYPES_READ, ServerFrames } from './server-frames.ts'
import { StatementNamespace, UNCERTAIN } from './statement-namespace.ts'
import { readsOf, type StatementReads } from './statement-reads.ts'
import { statementWrites } from './statement-writes.ts'
import type { TableCatalog } from './table-catalog.ts'
import { type BindParameter, TERMINATE } from './wire/client-messages.ts'
import { DROP, FrameScanner, PAUSE, PROTOCOL_MAX_FRAME_BYTES, type Verdict } from './wire/frame-scanner.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'
import { serializeErrorResponse } from './wire/server-messages.ts'

export interface RelayOptions {
  core: Core
  handle: SessionHandle
  client: Duplex
  upstream: Duplex
  logger: Logger
  maxMessageBytes: number
  limits: ClientLimits
  classifier: Classifier
  /** The resource's table names and COPY columns, for masking. */
  catalog?: TableCatalog
  /** Row estimates for guardrails with `rowsOver`; without it every estimate is unknown. */
  estimator?: RowEstimator
  /** Names of function OIDs, for FunctionCall messages; without it every FunctionCall is denied. */
  functions?: FunctionNames
  /** Stops the upstream backend's work when the session is ended under it (stop-backend.ts). */
  stopUpstream?: { cancel(): Promise<void>; terminate(): Promise<void> }
  /** Takes the upstream connection when the client ends cleanly (Terminate, idle, nothing in flight), to
   * reset and reuse it; without it the upstream connection is always ended. */
  release?: (upstream: Duplex) => void
}

/** What one client may ask of the gateway (resources[].clients in the configuration). */
export interface ClientLimits {
  /** A message must arrive whole within this long of its first bytes (a client stalling inside a large
   * one would hold its buffer and the session for ever). */
  incompleteMessageTimeoutMs: number
  /** Longest statement text (a Query's, a Parse's) that is classified; parsing costs ≈1 s per MB of the
   * gateway's one thread. */
  maxStatementBytes: number
  /** Most statements one query string may hold. */
  maxStatementsPerQuery: number
}

const ALLOW_CACHE_ENTRIES = 2048
const CLOSE_GRACE_MS = 1_000
/** Grant end must close a session within 1 s: the tail of a row being relayed gets this long at most. */
const FATAL_WAIT_MS = 500
/** After a CancelRequest, how long the backend gets to finish and read our Terminate before it is terminated. */
const CANCEL_WAIT_MS = 500

export class RelaySession {
  readonly #o: RelayOptions
  readonly #pending = new PendingResponses()
  readonly #clientFrames: ClientFrames
  readonly #serverFrames: ServerFrames
  readonly #fromClient: FrameScanner
  /** Running while the client is inside a message (ClientLimits.incompleteMessageTimeoutMs). */
  #messageTimer: NodeJS.Timeout | undefined
  /** The scanner's framesStarted when the timer started: a later message restarts it. */
  #messageTimerFrame = -1
  readonly #fromUpstream: FrameScanner
  /** Allowed statement texts of this session: the grant is fixed for the session's life and ends it when
   * it ends, so an allow stays valid until then. A text whose meaning depends on the session's prepared
   * statements (`EXECUTE p`) is never kept: p can be closed and prepared again as something else. Denials
   * are always asked again. */
  readonly #allowed = new Map<string, ClassifiedSql>()
  /** The session's prepared statements (SQL PREPARE and protocol Parse share PostgreSQL's namespace) and
   * portals, as the server has confirmed them: what a Bind binds and what `EXECUTE name` runs. */
  readonly #namespace = new StatementNamespace()
  /** The statement #decideNow could not answer at once, until #decideLater takes it: a Query held for an
   * approval (`decision`), or a statement to decide once its rows are estimated (no `decision`). */
  #awaiting:
    | { text: string; classified: ClassifiedSql; decision?: ApproveFirst }
    | { text: string; started: Promise<DecidedStatement> }
    | undefined
  /** performance.now() when #decideNow took up the statement being decided, for the added-latency
   * histogram; #start takes it, a wait for an approval drops it. */
  #decidingSince: number | undefined
  /** Held Parses whose rows are estimated (and then decided) at each Bind, with the parameter values. */
  readonly #estimatedAtBind = new WeakSet<Action>()
  #closed = false
  /** Set once a CancelRequest went upstream because the session was ended under a running statement. */
  #cancelled: Promise<void> | undefined
  #upstreamEnded = false
  /** Finishing the row being relayed before a FATAL; the client's messages are no longer read. */
  #stopping = false
  /** Masks what the detectors in force find in a statement's literals and parameters for the record, the
   * audit and approvers; undefined when no rule can mask a free value (then texts are recorded as sent). */
  readonly #maskLiteral: MaskLiteral | undefined
  /** Masking rules apply to this session: a FunctionCall's result (FunctionCallResponse) has no column to
   * mask by, so FunctionCall is refused and the function must be called from SQL. */
  readonly #masked: boolean
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
    this.#clientFrames = new ClientFrames({
      pending: this.#pending,
      namespace: this.#namespace,
      now,
      decideNow: (text, statement) => this.#decideNow(text, statement),
      decide: (text, statement) => void this.#decideLater(text, statement),
      hold: (held, parameters) => void this.#holdExecution(held, parameters),
      recordDenial: (statement, decision) => this.#recordDenial(statement, decision),
      start: (statement) => this.#startExecution(statement),
    })
    const tracker = new ResultTracker()
    const masking = options.core.maskingFor(options.handle.resource.id, options.handle.grant.groups)
    this.#maskLiteral = literalMasker(masking)
    this.#masked = masking !== undefined
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
        frame: (t, f) => forwarded(this.#clientFrames.frame(t, f), t, f, tracker),
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
    this.#stopUpstreamWork()
    if (ending === 'session') this.#shutdown(sessionEnded(reason), reason)
    else this.#shutdown(grantEnded(reason), `grant ended: ${reason}`)
  }

  /** Ends the session with the given FATAL ErrorResponse (gateway shutdown). */
  stop(fatal: Buffer): void {
    if (this.#closed || this.#stopping) return
    this.#stopUpstreamWork()
    this.#shutdown(fatal, 'gateway shutting down')
  }

  /** A statement still running upstream would run on (and a write commit) after the client is gone: cancel
   * it now (a row being relayed is finished first: PostgreSQL acts on a cancel between messages). #close then
   * terminates the backend if it has not ended its connection shortly after. */
  #stopUpstreamWork(): void {
    const stop = this.#o.stopUpstream
    if (!stop || this.#pending.length === 0) return
    const { upstream, logger } = this.#o
    this.#upstreamEnded = upstream.readableEnded
    upstream.once('end', () => {
      this.#upstreamEnded = true
    })
    this.#cancelled = stop.cancel().catch((error: unknown) => {
      logger.warn({ err: String(error) }, 'could not cancel the upstream statement')
    })
  }

  /** After a cancel, terminates the backend unless it closed its connection within CANCEL_WAIT_MS. */
  #terminateIfLingering(): void {
    const stop = this.#o.stopUpstream
    if (!stop || !this.#cancelled) return
    void this.#cancelled
      .then(() => new Promise((resolve) => setTimeout(resolve, CANCEL_WAIT_MS)))
      .then(() => (this.#upstreamEnded ? undefined : stop.terminate()))
      .catch((error: unknown) => {
        this.#o.logger.warn({ err: String(error) }, 'could not terminate the upstream backend')
      })
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
    this.#watchIncompleteMessage()
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
    const notice = serializeErrorResponse(
      { severity, code: severity === 'WARNING' ? '01000' : '00000', message, hint },
      0x4e,
    )
    this.#fromUpstream.whenAtBoundary(() => {
      if (!this.#closed && !this.#o.client.destroyed) this.#o.client.write(notice)
    })
  }

  /** Classifies and decides `text` in the current tick. Undefined for a Query that needs a human approval,
   * or a statement a `rowsOver` guardrail needs a row estimate for: the scanner then pauses and
   * #decideLater answers. */
  #decideNow(
    text: string,
    statement: string | undefined,
  ): DecidedStatement | undefined | typeof WAIT_FOR_SERVER {
    // For the added-latency histogram (#start reads it once).
    this.#decidingSince = performance.now()
    const call = functionCallOf(text)
    if (call !== undefined) {
      try {
        return this.#startNow(text, this.#functionCall(call))
      } catch (error) {
        return this.#failClosed(error)
      }
    }
    const known = this.#allowed.get(text)
    if (known !== undefined) return this.#startNow(text, this.#start(allowed(known, text), known, statement))
    const tooLarge = this.#overStatementLimits(text)
    if (tooLarge) return tooLarge
    let classified: ClassifiedSql
    let decision: Decision
    let estimating = false
    try {
      classified = this.#classify(text)
      const tooMany = this.#overStatementLimits(text, classified)
      if (tooMany) return tooMany
      // Only a statement a `rowsOver` rule concerns pays for an estimate; one EXPLAIN cannot estimate is
      // decided at once with an unknown estimate.
      estimating = this.#o.core.wantsRowEstimate(this.#o.handle, classified.action)
      if (estimating && this.#o.estimator && isExplainable(classified.action.kind)) {
        this.#awaiting = { text, classified }
        return undefined
      }
      decision = this.#o.core.decide(this.#o.handle, classified.action)
    } catch (error) {
      if (error === UNCERTAIN) return WAIT_FOR_SERVER
      return this.#failClosed(error)
    }
    if (decision.outcome === 'approve-first' && statement === undefined) {
      this.#awaiting = { text, classified, decision }
      return undefined
    }
    return this.#startNow(text, this.#decided(text, statement, classified, decision, !estimating))
  }

  /** A decided statement, or undefined (the scanner pauses) while a write's start record is being stored. */
  #startNow(
    text: string,
    decided: DecidedStatement | Promise<DecidedStatement>,
  ): DecidedStatement | undefined {
    if (!(decided instanceof Promise)) return decided
    this.#awaiting = { text, started: decided }
    return undefined
  }

  /**
   * An allowed statement about to run. A Query is recorded as started; a write is answered only once that
   * record is stored (a Promise then), or denied when the store cannot take it. A Parse runs nothing: each
   * Execute of it is started (#startExecution); the answer only says whether it writes.
   */
  #start(
    decided: DecidedStatement,
    classified: ClassifiedSql,
    statement: string | undefined,
  ): DecidedStatement | Promise<DecidedStatement> {
    // `decided` is made afresh by each caller: completing it costs no copy on the hot path.
    const write = statementWrites(classified.action)
    const receivedAt = this.#decidingSince
    this.#decidingSince = undefined
    if (statement !== undefined) {
      decided.write = write
      return decided
    }
    if (decided.decision.outcome !== 'allow') return decided
    const started = this.#o.core.startAction(
      this.#o.handle,
      {
        kind: decided.kind,
        text: decided.recordText ?? classified.action.text,
        outcome: 'allow',
        needs: classified.action.needs,
      },
      { write, receivedAt },
    )
    decided.seq = started.seq
    if (started.durable === undefined) return decided
    return started.durable.then((decision) => {
      decided.decision = decision
      return decided
    })
  }

  /** An Execute of an allowed prepared statement (see ClientFramesDeps.start). */
  #startExecution(statement: StatementInfo): DecidedStatement | undefined {
    const started = this.#o.core.startAction(
      this.#o.handle,
      { kind: statement.kind, text: statement.text, outcome: 'allow', ...needsOf(statement) },
      // Decided at its Parse: what an Execute adds is its start record.
      { write: statement.write === true, receivedAt: performance.now() },
    )
    if (started.durable === undefined) return { kind: statement.kind, decision: ALLOW, seq: started.seq }
    void started.durable.then((decision) =>
      this.#answer({ kind: statement.kind, decision, seq: started.seq }),
    )
    return undefined
  }

  /** The answer for a decided statement (a Query's approve-first excepted: that one waits). */
  #decided(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
    policyDecision: Decision,
    cacheable: boolean,
  ): DecidedStatement | Promise<DecidedStatement> {
    let decision = policyDecision
    // A Parse is decided once and bound many times: a text that runs or makes SQL prepared statements would
    // run whatever the name means at each Execute, not what was decided here.
    if (statement !== undefined && (classified.dependsOnPrepared || classified.prepared.length > 0))
      decision = {
        outcome: 'deny',
        code: 'TG_UNCLASSIFIED',
        rule: 'unclassified',
        reason:
          'taskgate does not run SQL PREPARE or EXECUTE through the extended protocol; send it as a simple query',
      }
    if (decision.outcome === 'allow') {
      // Only a policy allow is cached: an approval covers one execution; an estimate changes with the data.
      if (cacheable && !classified.dependsOnPrepared) {
        if (this.#allowed.size >= ALLOW_CACHE_ENTRIES) this.#allowed.clear()
        this.#allowed.set(text, classified)
      }
      return this.#start(allowed(classified, text), classified, statement)
    }
    const decided: DecidedStatement = {
      kind: classified.action.kind,
      action: classified.action,
      decision,
      ...describedBy(classified, text),
      ...(statement === undefined ? {} : { write: statementWrites(classified.action) }),
    }
    if (decision.outcome === 'deny' && classified.syntaxError)
      decided.error = syntaxErrorFields(classified.syntaxError)
    // A Parse runs nothing: its approval is asked at each Bind, where the parameter values are known.
    if (decision.outcome === 'approve-first') decided.held = classified.action
    return decided
  }

  /** Answers the paused scanner for the statement #decideNow left in #awaiting. */
  async #decideLater(text: string, statement: string | undefined): Promise<void> {
    const awaiting = this.#awaiting
    this.#awaiting = undefined
    let decided: DecidedStatement
    try {
      if (awaiting === undefined || awaiting.text !== text) throw new Error('no statement awaits a decision')
      decided =
        'started' in awaiting
          ? await awaiting.started
          : awaiting.decision === undefined
            ? await this.#decideEstimated(text, statement, awaiting.classified)
            : await this.#awaitApproval(text, statement, awaiting.classified, awaiting.decision)
    } catch (error) {
      decided = this.#failClosed(error)
    }
    this.#answer(decided)
  }

  /** Estimates the statement's rows, then decides it with the estimate (unknown when EXPLAIN cannot tell). */
  async #decideEstimated(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
  ): Promise<DecidedStatement> {
    const rows = await this.#o.estimator!.estimate(text, statement !== undefined)
    if (rows === AT_BIND && statement !== undefined) {
      // Held like an approve-first Parse, so each Bind pauses; #holdExecution then decides with the estimate.
      // A copy: the classifier may hand the same Action to other statements of the same text.
      const held = { ...classified.action }
      this.#estimatedAtBind.add(held)
      const atBind: ApproveFirst = {
        outcome: 'approve-first',
        rule: 'row-estimate',
        reason: 'rows are estimated at each Bind',
      }
      return {
        kind: classified.action.kind,
        action: classified.action,
        decision: atBind,
        held,
        ...describedBy(classified, text),
      }
    }
    const estimated: ClassifiedSql =
      rows === undefined || rows === AT_BIND
        ? classified
        : { ...classified, action: { ...classified.action, estimatedRows: rows } }
    const decision = this.#o.core.decide(this.#o.handle, estimated.action)
    if (decision.outcome === 'approve-first' && statement === undefined)
      return this.#awaitApproval(text, statement, estimated, decision)
    return this.#decided(text, statement, estimated, decision, false)
  }

  /** The classified statement with its `recordText` when that differs from the text: literals redacted
   * when it carries a secret (PASSWORD '...'), or what masking rules find in them masked, so neither reaches
   * core's audit, recordings or approvers. Policy still decides on the text as sent (regex guardrails); an
   * allowed statement is cached with its recordText, so the scan runs once per distinct text. */
  #classify(text: string): ClassifiedSql {
    const parsed = this.#o.classifier.classifyWithEffects(text, (name) => this.#preparedAction(name))
    const recordText = recordableText(text, parsed.action.traits, this.#maskLiteral)
    return recordText === text ? parsed : { ...parsed, action: { ...parsed.action, recordText } }
  }

  /** A FunctionCall message, decided like the `SELECT schema.fn($1, ...)` it amounts to: the function's
   * name comes from the target's catalog (function-names.ts), which a first call of an OID waits for. */
  #functionCall(call: { oid: number; argumentCount: number }): DecidedStatement | Promise<DecidedStatement> {
    const names = this.#o.functions
    if (names === undefined) throw new Error('no function catalog to resolve a FunctionCall')
    const known = names.cached(call.oid)
    if (known !== undefined) return this.#decideCall(known, call.argumentCount)
    return names.lookUp(call.oid).then((fn) => this.#decideCall(fn, call.argumentCount))
  }

  #decideCall(fn: FunctionName | null, argumentCount: number): DecidedStatement | Promise<DecidedStatement> {
    if (fn === null || this.#masked) {
      // Core denies (and audits) what could not be classified.
      const refused: Action = {
        protocol: 'postgres',
        kind: 'FunctionCall',
        needs: [],
        traits: [],
        text: '(FunctionCall message)',
        unclassified:
          fn === null
            ? 'the FunctionCall names a function the target does not have'
            : 'masking rules apply to this session and a FunctionCall result cannot be masked; call the function from SQL',
      }
      return { kind: 'FunctionCall', decision: this.#o.core.decide(this.#o.handle, refused) }
    }
    const sql = functionCallSql(fn, argumentCount)
    const classified = this.#classify(sql)
    const policy = this.#o.core.decide(this.#o.handle, classified.action)
    // An approver would see `$1` where the call's argument values are (a FunctionCall carries them in binary,
    // unlike a Bind's that #holdExecution shows): rather than approve blind, the call is refused.
    const decision: Decision =
      policy.outcome === 'approve-first'
        ? {
            outcome: 'deny',
            code: 'TG_GUARDRAIL',
            rule: policy.rule,
            reason: `${policy.reason}; a FunctionCall cannot be held for approval: call the function from SQL`,
          }
        : policy
    const decided = this.#decided(sql, undefined, classified, decision, false)
    // Recorded as the FunctionCall it is, with the SQL it was decided as.
    const asCall = (d: DecidedStatement): DecidedStatement => ({
      ...d,
      kind: 'FunctionCall',
      recordText: d.recordText ?? sql,
    })
    return decided instanceof Promise ? decided.then(asCall) : asCall(decided)
  }

  /** A Query that needs an approval: holds it until an approver decides. */
  async #awaitApproval(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
    approveFirst: ApproveFirst,
  ): Promise<DecidedStatement> {
    if (statement !== undefined) throw new Error('a Parse is held at each Bind, not at Parse')
    // A person's wait is not latency the gateway added.
    this.#decidingSince = undefined
    const decision = await this.#waitForApproval(approveFirst, classified.action, actionDigest(text))
    if (decision.outcome !== 'allow')
      return { kind: classified.action.kind, decision, ...describedBy(classified, text) }
    // Approved: with what it PREPAREs, so a Bind of those names is decided (statement-namespace.ts).
    return this.#start({ ...allowed(classified, text), decision }, classified, statement)
  }

  /** A text longer than ClientLimits.maxStatementBytes (checked before it is parsed) or, once classified,
   * holding more statements than maxStatementsPerQuery: refused with 54000 (program_limit_exceeded), the
   * refusal recorded like a denial. */
  #overStatementLimits(text: string, classified?: ClassifiedSql): DecidedStatement | undefined {
    const { maxStatementBytes, maxStatementsPerQuery } = this.#o.limits
    let reason: string | undefined
    // Unparsed, its literals could not be masked: the record keeps its size, not its text.
    let recordText: string | undefined
    if (classified === undefined) {
      // UTF-8 takes at least one byte per UTF-16 unit and at most three: count bytes only when in doubt.
      const over =
        text.length > maxStatementBytes ||
        (text.length * 3 > maxStatementBytes && Buffer.byteLength(text) > maxStatementBytes)
      if (over) {
        reason = `the statement text is over ${maxStatementBytes} bytes, the most this gateway parses (resources[].clients.maxStatementBytes); load bulk data with COPY`
        recordText = `(a statement text of ${Buffer.byteLength(text)} bytes, not parsed)`
      }
    } else if (classified.statements > maxStatementsPerQuery) {
      reason = `the query string holds ${classified.statements} statements, more than the ${maxStatementsPerQuery} this gateway accepts in one (resources[].clients.maxStatementsPerQuery); send them in parts`
      recordText = describedBy(classified, text).recordText
    }
    if (reason === undefined) return undefined
    return {
      ...(recordText === undefined ? {} : { recordText }),
      kind: 'TooLarge',
      decision: { outcome: 'deny', code: 'TG_STATEMENT_TOO_LARGE', rule: 'limits', reason },
      error: { severity: 'ERROR', code: '54000', message: `taskgate: ${reason}` },
    }
  }

  /** A classifier bug or an unreachable store denies the statement. */
  #failClosed(error: unknown): DecidedStatement {
    this.#o.logger.error({ err: String(error) }, 'deciding a statement failed')
    return {
      kind: 'Unknown',
      decision: {
        outcome: 'deny',
        code: 'TG_STORE_UNAVAILABLE',
        rule: 'error',
        reason: 'the gateway could not decide',
      },
    }
  }

  /** One execution of a held prepared statement: the approval binds its text and its Bind parameters. */
  async #holdExecution(held: HeldStatement, parameters: readonly BindParameter[]): Promise<void> {
    // Answered only once the scanner has paused on this Bind: a decision can be ready at once (a SQL-prepared
    // statement's allow), and an answer given inside the scanner's own call would be lost.
    await Promise.resolve()
    let decision: Decision
    try {
      let approveFirst = held.held
      let action = held.action
      const core = this.#o.core
      // A SQL-prepared statement is decided at each Bind like `EXECUTE name`, with rows estimated if a rule
      // asks; one held at Parse for its estimate is decided with this Bind's.
      const estimate =
        this.#estimatedAtBind.has(held.action) ||
        (held.decideAtBind && core.wantsRowEstimate(this.#o.handle, action) && isExplainable(action.kind))
      if (estimate || held.decideAtBind) {
        const rows = estimate
          ? await this.#o.estimator?.estimateExecution(held.action.text, parameters)
          : undefined
        if (typeof rows === 'number') action = { ...action, estimatedRows: rows }
        const decided = core.decide(this.#o.handle, action)
        if (decided.outcome !== 'approve-first') return this.#answer({ kind: held.kind, decision: decided })
        approveFirst = decided
      }
      if (approveFirst === undefined) throw new Error('a held statement without its decision')
      const digest = actionDigest(held.action.text, parameters.map(digestForm))
      // held.text is the statement's recorded text (masked); its parameters are masked the same way.
      // Shown as recordText too: #waitForApproval shows an action's recordText when it has one.
      // A statement that carries a secret (dblink_connect($1)) shows none of its parameter values.
      const text = withParameters(
        held.text,
        parameters,
        action.traits.includes('contains-secret') ? () => REDACTED : this.#maskLiteral,
      )
      const shown = { ...action, text, recordText: text }
      decision = await this.#waitForApproval(approveFirst, shown, digest)
    } catch (error) {
      this.#o.logger.error({ err: String(error) }, 'holding a statement failed')
      decision = {
        outcome: 'deny',
        code: 'TG_STORE_UNAVAILABLE',
        rule: 'error',
        reason: 'the gateway could not hold the statement for approval',
      }
    }
    this.#answer({ kind: held.kind, decision })
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
    this.#watchIncompleteMessage()
    if (this.#clientFrames.terminated) this.#close('client terminated')
    else this.#resumeClient()
  }

  /** Starts the clock when the client has stopped inside a message, restarts it when a new message has
   * begun since, stops it at a message boundary. */
  #watchIncompleteMessage(): void {
    const scanner = this.#fromClient
    if (!scanner.midMessage) {
      clearTimeout(this.#messageTimer)
      this.#messageTimer = undefined
      return
    }
    if (this.#messageTimer !== undefined && this.#messageTimerFrame === scanner.framesStarted) return
    clearTimeout(this.#messageTimer)
    this.#messageTimerFrame = scanner.framesStarted
    const timeoutMs = this.#o.limits.incompleteMessageTimeoutMs
    this.#messageTimer = setTimeout(() => {
      this.#o.logger.info({ timeoutMs }, 'client stalled inside a message')
      this.#shutdown(
        protocolViolation(
          `a message did not arrive whole within ${timeoutMs / 1000} s; the connection is closed`,
        ),
        'incomplete message',
      )
    }, timeoutMs)
    this.#messageTimer.unref()
  }

  /** Holds the statement for a human. The client hears it is waiting through a NoticeResponse (PostgreSQL
   * sends notices between any two messages), written only at a message boundary of the upstream stream.
   * `digest` binds the approval to the statement text and, in the extended protocol, its parameters. */
  async #waitForApproval(
    decision: Extract<Decision, { outcome: 'approve-first' }>,
    action: Action,
    digest: string,
  ): Promise<Decision> {
    if (this.#closed) return decision
    // Approvers see (and the approval records) the text as recorded, never a secret or a masked value.
    const shown = action.recordText === undefined ? action : { ...action, text: action.recordText }
    const held = await this.#o.core.holdAction(this.#o.handle, decision, shown, digest)
    const notice = serializeErrorResponse(waitingNotice({ ...decision, approvalId: held.approvalId }), 0x4e)
    // Mid-way through an earlier statement's row the notice waits for the end of that message.
    this.#fromUpstream.whenAtBoundary(() => {
      if (!this.#closed && !this.#o.client.destroyed) this.#o.client.write(notice)
    })
    const verdict = await held.wait(this.#abort.signal)
    return verdict.outcome === 'approve-first' ? { ...decision, approvalId: held.approvalId } : verdict
  }

  /** What `EXECUTE name` runs, for the classifier; throws UNCERTAIN while the server has yet to confirm
   * what the name is (the statement then waits for it, see statement-namespace.ts). */
  #preparedAction(name: string): Action | undefined {
    const statement = this.#namespace.statement(name)
    if (statement === UNCERTAIN) throw UNCERTAIN
    return statement?.unknown ? undefined : statement?.action
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

  #recordDenial(statement: StatementInfo, decision: Exclude<Decision, { outcome: 'allow' }>): void {
    this.#o.core.recordAction(
      this.#o.handle,
      {
        kind: statement.kind,
        text: statement.text,
        outcome: decision.outcome,
        ...needsOf(statement),
        rule: decision.rule,
        reason: decision.reason,
      },
      statement.seq,
    )
  }

  #record(c: Completed): void {
    // A statement carrying a secret may see it echoed in its rows or the server's message: SQLSTATE only.
    const secret = c.statement?.secret === true
    const error = secret && c.error !== undefined ? `${c.error.split(':')[0]}: (message withheld)` : c.error
    this.#o.core.recordAction(
      this.#o.handle,
      {
        kind: c.statement?.kind ?? 'Unknown',
        text: c.statement?.text ?? '',
        outcome: 'allow',
        rowCount: c.rowCount,
        durationMs: Math.round(c.durationMs * 1000) / 1000,
        error,
        ...(c.result && !secret ? { result: c.result } : {}),
        ...(c.masked ? { masked: c.masked } : {}),
      },
      c.statement?.seq,
    )
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
      this.#awaiting === undefined &&
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
    clearTimeout(this.#messageTimer)
    this.#abort.abort()
    this.#o.estimator?.close()
    const { client, upstream } = this.#o
    const released = reason === 'client terminated' && this.#releaseUpstream()
    if (!released && !upstream.destroyed) upstream.end(TERMINATE)
    if (!released) this.#terminateIfLingering()
    client.end()
    const timer = setTimeout(() => {
      client.destroy()
      if (!released) upstream.destroy()
    }, CLOSE_GRACE_MS)
    timer.unref()
    let open = 2
    const closed = () => {
      if (--open === 0) {
        clearTimeout(timer)
        this.#resolveDone(reason)
      }
    }
    if (client.closed) closed()
    else client.once('close', closed)
    if (released || upstream.closed) closed()
    else upstream.once('close', closed)
    this.#o.core.closeSession(this.#o.handle, reason).catch((error: unknown) => {
      this.#o.logger.warn({ err: String(error) }, 'recording the session close failed')
    })
  }
}

type ApproveFirst = Extract<Decision, { outcome: 'approve-first' }>

function allowed(classified: ClassifiedSql, text: string): DecidedStatement {
  return {
    kind: classified.action.kind,
    action: classified.action,
    decision: ALLOW,
    prepared: classified.prepared,
    deallocated: classified.deallocated,
    ...describedBy(classified, text),
  }
}

/** `recordText` when the text to record is not what the client sent (a secret redacted, values masked),
 * and what the text reads, which masking needs and must not parse the text again to learn. */
function describedBy(
  classified: ClassifiedSql,
  text: string,
): { recordText?: string; reads?: StatementReads } {
  const { recordText } = classified.action
  const reads = readsOf(classified)
  return {
    ...(recordText === undefined || recordText === text ? {} : { recordText }),
    ...(reads === undefined ? {} : { reads }),
  }
}

/** Masks a free value (a literal, a parameter) as a text result column of no known origin: only what
 * detectors find, or whole under a rule naming every column. Undefined when that masks nothing. */
function literalMasker(masking: MaskingContext | undefined): MaskLiteral | undefined {
  if (masking === undefined) return undefined
  const plan = masking.plan([{ name: '', typeHint: 'text' }])
  if (plan.passthrough) return undefined
  return (value) => {
    const masked = maskValue(plan, 0, value)
    // The counters are for result columns; a statement's literals are not counted.
    plan.counts.fill(0)
    return masked
  }
}

/** A parameter as the digest sees it: format and bytes, so a text '1' and a binary 1 differ. */
function digestForm(p: BindParameter): string | null {
  if (p.value === null) return null
  return p.format === 0 ? `t:${p.value.toString('utf8')}` : `b:${p.value.toString('base64')}`
}

const SHOWN_PARAMETER_CHARS = 200

/** The statement as an approver sees it: the text, then each parameter value (masked, shortened). */
function withParameters(
  text: string,
  parameters: readonly BindParameter[],
  mask: MaskLiteral | undefined,
): string {
  if (parameters.length === 0) return text
  const shown = parameters.map((p, i) => {
    if (p.value === null) return `$${i + 1} = NULL`
    // A binary value's type is not known here; text types are UTF-8 in binary too, so a value that decodes
    // as printable UTF-8 goes through the detectors like a text one (and is shown as hex only if unchanged).
    const hex = `\\x${p.value.toString('hex')}`
    const value = p.format === 0 ? p.value.toString('utf8') : printableUtf8(p.value)
    // A value masked to NULL (the `null` style) is not a NULL the client sent: it shows as redacted.
    const masked = value === undefined || mask === undefined ? value : (mask(value) ?? REDACTED)
    const raw = p.format === 0 ? (masked ?? hex) : masked !== undefined && masked !== value ? masked : hex
    const cut = raw.length > SHOWN_PARAMETER_CHARS ? `${raw.slice(0, SHOWN_PARAMETER_CHARS)}…` : raw
    return `$${i + 1} = '${cut.replaceAll("'", "''")}'`
  })
  return `${text}\n-- parameters: ${shown.join(', ')}`
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** The bytes as text when they are valid UTF-8 without control characters, else undefined. */
function printableUtf8(bytes: Buffer): string | undefined {
  try {
    const text = UTF8.decode(bytes)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is tested for
    return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text) ? undefined : text
  } catch {
    return undefined
  }
}

/** Feeds the client frames that go upstream (a replacement's frames instead of the one it replaced). */
function forwarded(verdict: Verdict, type: number, frame: Buffer, tracker: ResultTracker): Verdict {
  if (verdict === PAUSE || verdict === DROP) return verdict
  if (typeof verdict === 'number') tracker.client(type, frame)
  else
    for (let at = 0; at + 5 <= verdict.length; at += 1 + verdict.readInt32BE(at + 1))
      tracker.client(verdict[at]!, verdict.subarray(at, at + 1 + verdict.readInt32BE(at + 1)))
  return verdict
}

const needsOf = (statement: StatementInfo) => (statement.needs ? { needs: statement.needs } : {})
