// The relay loop of one MySQL session, after login: one command at a time (the protocol is request and
// response; a client that sends the next command early waits in the socket), each decided by the kit's
// action gate before it goes upstream: COM_QUERY per statement (query-plan.ts: several under
// CLIENT_MULTI_STATEMENTS, each decided and recorded, the packet refused whole if one is), COM_STMT_PREPARE at
// prepare and each COM_STMT_EXECUTE again (the allow cache makes that free), COM_INIT_DB and COM_FIELD_LIST
// as USE and SHOW COLUMNS. The server's packets are followed by response-tracker.ts, so session state
// (current database, NO_BACKSLASH_ESCAPES, sql_mode, prepared statements) changes only on its OK, rows and
// errors are masked when a rule applies, and the session ends at a packet boundary.
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import {
  type Action,
  actionDigest,
  type MaskingContext,
  type MaskingPlan,
  type ScopeEntry,
} from '../../core/index.ts'
import type { ActionGate, GateAnswer, GateRequest } from '../kit/action-gate.ts'
import { ResultBudget } from '../kit/result-budget.ts'
import { mayChangeRelations, type SchemaChanges } from '../kit/schema-changes.ts'
import { computesOnAnything, relationNames, withViewLineage } from '../kit/view-lineage.ts'
import type { MysqlClassifier } from './classify.ts'
import { classifyCommand } from './classify-command.ts'
import { ClientWriter } from './client-writer.ts'
import { redactCredentialRow } from './credential-rows.ts'
import { decideInTurn } from './decide-in-turn.ts'
import {
  approvalRequired,
  denied,
  grantEnded,
  packetTooLarge,
  protocolViolation,
  refused,
  withoutForgedDecision,
} from './errors.ts'
import { IncompletePacketWatch } from './incomplete-packet-watch.ts'
import { ErrorMasker } from './mask-errors.ts'
import { maskBinaryRow, maskTextRow, resultColumnsOf } from './mask-rows.ts'
import { type MaskParameter, parameterMasker, withParameters } from './parameters-text.ts'
import { type PreparedStatement, PreparedStatements } from './prepared-statements.ts'
import type { PlannedStatement } from './query-plan.ts'
import { refusalFor } from './refused-commands.ts'
import { isRowPacket, type ResponseStep, ResponseTracker } from './response-tracker.ts'
import { planTextCommand } from './text-command.ts'
import type { ViewNames } from './view-names.ts'
import { type ColumnDefinition41, parseColumnDefinition41 } from './wire/column-definition.ts'
import { encodeTextCommand, parseTextCommand } from './wire/commands.ts'
import { Command, ServerStatus } from './wire/constants.ts'
import { encodeErrPacket } from './wire/generic-responses.ts'
import {
  encodePacket,
  HEADER_BYTES,
  MAX_PACKET_PAYLOAD,
  type Packet,
  PacketReader,
} from './wire/packet-reader.ts'
import { PacketTooLarge, ProtocolViolation } from './wire/protocol-violation.ts'
import { parseTextRow } from './wire/result-rows.ts'

/** A native function is no need; an `execute` need is a stored routine, whose body may read anything (or
 * run DDL). */
const untracedCall = (need: ScopeEntry): boolean => need.verb === 'execute'

export interface MysqlSessionOptions {
  gate: ActionGate
  logger: Logger
  client: Duplex
  upstream: Duplex
  /** Capabilities in force with the client (CLIENT_DEPRECATE_EOF shapes responses). */
  capabilities: number
  classifier: MysqlClassifier
  database: string | undefined
  statusFlags: number
  masking: MaskingContext | undefined
  /** Which names are views (view-names.ts), when a masking rule names columns: a statement reading one
   * has every result column masked by every rule naming columns (the server names the view, not the
   * column it renames). */
  views?: ViewNames | undefined
  /** The resource's schema changes: told of each statement that may change a relation, and read so that a
   * decision made through views is not reused from the allow cache once one ran (kit/schema-changes.ts). */
  changes?: SchemaChanges | undefined
  /** What one client may ask of the session (the resource's `clients` settings). */
  limits: MysqlClientLimits
  /** The client asked for decision data in taskgate's ERR packets (errors.ts DECISION_DATA_ATTRIBUTE). */
  decisionData: boolean
  /** The upstream session was started READ ONLY (a read-only grant): COM_RESET_CONNECTION undoes that, so
   * the gateway sets it again before the next command. */
  readOnly?: boolean
  /** Records a command refused over a limit (no policy decided it: it was never parsed). */
  recordRefusal(refusal: { kind: string; text: string; reason: string }): void
}

export interface MysqlClientLimits {
  maxPacketBytes: number
  incompletePacketTimeoutMs: number
  maxStatementBytes: number
  maxStatementsPerQuery: number
  maxPreparedStatements: number
}

/** One statement of the command in flight: its Action, its recording seq, the state its success sets. */
interface Part {
  action: Action
  seq: number | undefined
  usesDatabase: string | undefined
  changesSqlMode: boolean
  /** Its rows carry stored credentials (credential-rows.ts): the action's trait, read once. */
  showsCredentials: boolean
}

/** What the command in flight is, for recording and for the state its OK confirms. */
interface InFlight {
  command: number
  /** The statements the command runs, in order: one, or several for a multi-statement COM_QUERY; results
   * are matched to them in order (query-plan.ts keeps what may answer with several results last). */
  parts: Part[]
  /** The part whose results arrive now; its start time and rows so far. */
  at: number
  startedAt: number
  rowCount: number
  columns: ColumnDefinition41[]
  plan: MaskingPlan | undefined
  /** The current part's rows carry stored credentials (credential-rows.ts); read once per part. */
  showsCredentials: boolean | undefined
  error: string | undefined
  /** The gateway's own `SELECT @@sql_mode` or `SET SESSION TRANSACTION READ ONLY`: answered to the gateway,
   * never to the client. */
  internal: { sqlMode?: string; readOnly?: boolean } | undefined
}

const SQL_MODE_QUERY = 'SELECT @@SESSION.sql_mode'
const READ_ONLY_QUERY = 'SET SESSION TRANSACTION READ ONLY'

export class MysqlSession {
  readonly #o: MysqlSessionOptions
  readonly #fromClient: PacketReader
  readonly #fromUpstream: PacketReader
  readonly #tracker: ResponseTracker
  readonly #prepared: PreparedStatements
  readonly #stall: IncompletePacketWatch
  #clientPackets = 0
  /** The client's command being handled (its frame is forwarded as it came). */
  #current: Packet | undefined
  #queue: Packet[] = []
  readonly #out: ClientWriter
  readonly #errors: ErrorMasker | undefined
  readonly #maskParameter: MaskParameter | undefined
  #database: string | undefined
  #noBackslashEscapes: boolean
  #ansiQuotes = false
  #inFlight: InFlight | undefined
  #deciding = false
  /** The schema-change generation the allow cache's decisions were made in (under masking). */
  #generation: number
  /** A statement that may change a relation ran and its transaction has not ended: when it does, the change
   * is told again (other connections see it only once committed). */
  #changePending = false
  /** Whether the last OK or EOF said a transaction is open. */
  #inTransaction = false
  #closed = false
  #ending: string | undefined
  #resolveDone!: (reason: string) => void
  readonly done: Promise<string>
  /** The grant's exfiltration budget, fed per upstream chunk with its bytes and the rows relayed in it. */
  readonly #budget: ResultBudget
  #rowsRelayed = 0

  constructor(options: MysqlSessionOptions) {
    this.#o = options
    this.#fromClient = new PacketReader(options.limits.maxPacketBytes)
    this.#out = new ClientWriter(options.client, () => this.#o.upstream.pause())
    this.#prepared = new PreparedStatements(options.limits.maxPreparedStatements)
    this.#stall = new IncompletePacketWatch(options.limits.incompletePacketTimeoutMs, (ms) => {
      this.#o.logger.info({ timeoutMs: ms }, 'client stalled inside a packet')
      this.#fail(
        protocolViolation(`a packet did not arrive whole within ${ms / 1000} s; the connection is closed`),
        'incomplete packet',
      )
    })
    this.#fromUpstream = new PacketReader(1024 * 1024 * 1024)
    this.#tracker = new ResponseTracker(options.capabilities)
    this.#database = options.database
    this.#generation = options.changes?.generation ?? 0
    this.#noBackslashEscapes = (options.statusFlags & ServerStatus.SERVER_STATUS_NO_BACKSLASH_ESCAPES) !== 0
    this.#errors = options.masking ? new ErrorMasker(options.masking) : undefined
    this.#maskParameter = parameterMasker(options.masking)
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve
    })
    // MySQL has no asynchronous notice: a warning threshold is audited only.
    this.#budget = new ResultBudget({
      handle: options.gate.handle,
      logger: options.logger,
      pause: () => options.upstream.pause(),
      resume: () => {
        if (!this.#closed && !options.client.writableNeedDrain) options.upstream.resume()
      },
    })
  }

  start(clientLeftover: Buffer, upstreamLeftover: Buffer): void {
    const { client, upstream } = this.#o
    // No closure per chunk: each side's handler catches for itself.
    client.on('data', (chunk: Buffer) => {
      try {
        this.#onClientData(chunk)
      } catch (error) {
        this.#failed(error)
      }
    })
    upstream.on('data', (chunk: Buffer) => {
      try {
        this.#onUpstreamData(chunk)
      } catch (error) {
        this.#failed(error)
      }
    })
    client.on('close', () => this.#close('client closed'))
    upstream.on('close', () => this.#close('upstream closed'))
    client.on('error', () => {})
    upstream.on('error', () => {})
    // Backpressure both ways: a slow reader pauses the other side.
    client.on('drain', () => this.#budget.holding || upstream.resume())
    upstream.on('drain', () => client.resume())
    if (upstreamLeftover.length > 0) this.#guard(() => this.#onUpstreamData(upstreamLeftover))
    if (clientLeftover.length > 0) this.#guard(() => this.#onClientData(clientLeftover))
    client.resume()
    upstream.resume()
  }

  /** The grant ended (or an approver ended this session): said at the next packet boundary, which is now
   * (whole packets are written at once), then the connection closes. */
  terminate(reason: string): void {
    if (this.#closed) return
    this.#ending = reason
    this.#out.write(encodePacket(grantEnded(reason), this.#inFlight ? 1 : 0).bytes)
    this.#close(`grant ended: ${reason}`)
  }

  /** Gateway shutdown. */
  shutdown(err: Buffer): void {
    if (this.#closed) return
    this.#out.write(encodePacket(err, 0).bytes)
    this.#close('gateway shutting down')
  }

  #guard(run: () => void): void {
    try {
      run()
    } catch (error) {
      this.#failed(error)
    }
  }

  /** What the relay threw ends the session: a protocol violation with its own ERR, anything else logged. */
  #failed(error: unknown): void {
    const message = error instanceof ProtocolViolation ? error.message : 'internal error'
    if (!(error instanceof ProtocolViolation)) this.#o.logger.error({ err: String(error) }, 'relay failed')
    const err =
      error instanceof PacketTooLarge ? packetTooLarge(error.maxPayloadBytes) : protocolViolation(message)
    this.#fail(err, `protocol violation: ${message}`)
  }

  /** Answers the client one last ERR and closes the session. */
  #fail(err: Buffer, reason: string): void {
    if (!this.#closed) this.#out.write(encodePacket(err, 0).bytes)
    this.#close(reason)
  }

  #close(reason: string): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#changePending) this.#o.changes?.changed()
    this.#o.views?.close()
    this.#stall.stop()
    this.#out.end()
    this.#o.client.end()
    this.#o.upstream.destroy()
    setTimeout(() => this.#o.client.destroy(), 1000).unref()
    this.#resolveDone(this.#ending === undefined ? reason : `grant ended: ${this.#ending}`)
  }

  #onClientData(chunk: Buffer): void {
    const packets = this.#fromClient.push(chunk)
    this.#clientPackets += packets.length
    // The reader's (new) array becomes the queue when none waits, as for most chunks (one command): no push
    // into an array its last shift() emptied, which grew it again per command.
    if (this.#queue.length === 0) this.#queue = packets
    else for (const packet of packets) this.#queue.push(packet)
    this.#next()
  }

  /** Takes the next command when none is in flight; the client is paused while one is and another waits. */
  #next(): void {
    while (!this.#closed && !this.#deciding && this.#inFlight === undefined && this.#queue.length > 0) {
      this.#command(this.#queue.shift()!)
    }
    const reading = this.#inFlight === undefined && !this.#deciding
    // Paused only once a command waits behind the one in flight (a client rarely sends ahead): a pause and
    // resume per command cost a tick each. One chunk at most is read ahead.
    const { client } = this.#o
    if (reading) {
      if (client.isPaused()) client.resume()
    } else if (this.#queue.length > 0 || this.#deciding) client.pause()
    this.#stall.update(this.#fromClient.bufferedBytes > 0, this.#clientPackets, reading && !this.#closed)
  }

  #command(packet: Packet): void {
    this.#current = packet
    const { payload } = packet
    if (packet.firstSequenceId !== 0)
      throw new ProtocolViolation('a command packet must start a new exchange')
    const command = payload[0] ?? -1
    if (command === Command.COM_QUIT) {
      this.#close('client quit')
      return
    }
    const refusal = refusalFor(command)
    if (refusal) {
      this.#answer(refusal)
      return
    }
    if (command === Command.COM_QUERY || command === Command.COM_STMT_PREPARE) {
      this.#decideText(command, payload)
      return
    }
    if (command === Command.COM_INIT_DB || command === Command.COM_FIELD_LIST) {
      const classified = classifyCommand(payload, this.#database)!
      this.#gate(command, payload, [
        {
          action: classified.action,
          cacheKey: `${command}\0${this.#database ?? ''}\0${classified.action.text}`,
          ...(classified.usesDatabase !== undefined ? { usesDatabase: classified.usesDatabase } : {}),
          changesSqlMode: false,
        },
      ])
      return
    }
    // A cursor's rows come by COM_STMT_FETCH with no column definitions in the same response: masking
    // could not plan them, so under masking rules cursors are refused rather than relayed unmasked.
    if (command === Command.COM_STMT_FETCH && this.#o.masking) {
      this.#answer(
        refused('cursors (COM_STMT_FETCH)', 'masking rules apply to this session; read without a cursor'),
      )
      return
    }
    if (command === Command.COM_STMT_EXECUTE) {
      this.#execute(payload)
      return
    }
    if (command === Command.COM_STMT_CLOSE) {
      this.#prepared.close(payload.readUInt32LE(1))
      this.#o.upstream.write(this.#upstreamBytes(payload))
      return
    }
    // COM_PING, COM_STATISTICS, COM_STMT_RESET, COM_STMT_FETCH, COM_RESET_CONNECTION: nothing to decide.
    this.#forward(command, payload)
  }

  /** COM_QUERY: its statements (several only under CLIENT_MULTI_STATEMENTS), each classified and decided;
   * COM_STMT_PREPARE: one statement (the server prepares no more). Over a client limit: refused. */
  #decideText(command: number, payload: Buffer): void {
    const plan = planTextCommand(command, payload, {
      limits: this.#o.limits,
      classifier: this.#o.classifier,
      capabilities: this.#o.capabilities,
      lex: { noBackslashEscapes: this.#noBackslashEscapes, ansiQuotes: this.#ansiQuotes },
      database: this.#database,
      preparedFull: this.#prepared.full,
    })
    if (!Array.isArray(plan)) {
      this.#o.recordRefusal(plan.record)
      this.#answer(plan.err)
      return
    }
    this.#gate(command, payload, plan, { start: command === Command.COM_QUERY })
  }

  /** COM_STMT_EXECUTE: the statement's prepare was allowed; each execution is decided again (cached) and
   * recorded, an approval binding its parameters. */
  #execute(payload: Buffer): void {
    const found = this.#prepared.execute(payload)
    if (!found) {
      this.#answer(
        encodeErrPacket({
          errorCode: 1243,
          sqlState: 'HY000',
          message: 'Unknown prepared statement handler given to mysqld_stmt_execute',
        }),
      )
      return
    }
    const { statement, execute } = found
    const recordText = withParameters(
      statement.action.recordText ?? statement.text,
      execute,
      statement.secret,
      this.#maskParameter,
    )
    const action = { ...statement.action, recordText }
    // One key string per statement and database: its hash is computed once, not per execution.
    if (statement.cacheKey === undefined || statement.cacheKeyDatabase !== this.#database) {
      statement.cacheKey = `${Command.COM_STMT_PREPARE}\0${statement.text}\0${this.#database ?? ''}`
      statement.cacheKeyDatabase = this.#database
    }
    const { cacheKey } = statement
    // What binds an approval to these values; only a held execution reads it (a hash each time was a
    // cost every execution paid).
    const digest = () =>
      actionDigest(
        statement.action.text,
        execute.values.map((v) => (v === null ? null : v.toString('hex'))),
      )
    // A prepared SET sql_mode changes how the next texts lex, as the same text would: read back after it.
    const planned = { action, cacheKey, usesDatabase: undefined, changesSqlMode: statement.changesSqlMode }
    const request = (): GateRequest => ({
      action: this.#throughViews(action),
      cacheKey: action.unclassified === undefined ? cacheKey : undefined,
      write: !statement.readOnly,
      start: true,
      digest,
    })
    // What a view it reads carries may have changed since it was prepared: traced again, as at its prepare.
    const lookup = this.#viewLookup([action])
    if (lookup !== undefined) {
      this.#held(
        lookup.then(async () => [await this.#o.gate.decide(request())]),
        Command.COM_STMT_EXECUTE,
        payload,
        [planned],
      )
      return
    }
    // One statement: decided on its own, without decideInTurn's arrays.
    const answer = this.#o.gate.decide(request())
    if (!(answer instanceof Promise)) {
      this.#decidedExecution(payload, planned, statement, answer)
      return
    }
    this.#held(
      answer.then((a) => [a]),
      Command.COM_STMT_EXECUTE,
      payload,
      [planned],
    )
  }

  #gate(command: number, payload: Buffer, statements: PlannedStatement[], o: { start?: boolean } = {}): void {
    const start = o.start ?? true
    const requests = (): GateRequest[] =>
      statements.map(({ action, cacheKey }) => ({
        action: this.#throughViews(action),
        cacheKey: action.unclassified === undefined ? cacheKey : undefined,
        write: !action.traits.includes('read-only'),
        start,
      }))
    const lookup = this.#o.views && this.#viewLookup(statements.map((s) => s.action))
    if (lookup !== undefined) {
      this.#held(
        lookup.then(() => decideInTurn(this.#o.gate, requests())),
        command,
        payload,
        statements,
      )
      return
    }
    const answers = decideInTurn(this.#o.gate, requests())
    if (!(answers instanceof Promise)) {
      this.#decided(command, payload, statements, answers)
      return
    }
    this.#held(answers, command, payload, statements)
  }

  /** Held (an estimate, an approval, a write's record): later commands wait in the socket. */
  #held(
    answers: Promise<GateAnswer[]>,
    command: number,
    payload: Buffer,
    statements: PlannedStatement[],
  ): void {
    this.#deciding = true
    this.#o.client.pause()
    void answers.then((a) =>
      this.#guard(() => {
        this.#deciding = false
        this.#decided(command, payload, statements, a)
        this.#next()
      }),
    )
  }

  /** The gate's answer for an execution, allowed or not at once. */
  #decidedExecution(payload: Buffer, s: PlannedStatement, statement: PreparedStatement, a: GateAnswer): void {
    if (this.#closed) return
    if (a.decision.outcome !== 'allow') {
      this.#decided(Command.COM_STMT_EXECUTE, payload, [s], [a])
      return
    }
    this.#forward(Command.COM_STMT_EXECUTE, payload, [
      {
        action: s.action,
        seq: a.seq,
        usesDatabase: undefined,
        changesSqlMode: statement.changesSqlMode,
        showsCredentials: statement.showsCredentials,
      },
    ])
  }

  /** The gate's answers for the command's statements (in turn, up to the first not allowed). */
  #decided(command: number, payload: Buffer, statements: PlannedStatement[], all: GateAnswer[]): void {
    if (this.#closed) return
    const parts: Part[] = []
    for (const [i, a] of all.entries()) {
      const s = statements[i]!
      parts.push({
        action: s.action,
        seq: a.seq,
        usesDatabase: s.usesDatabase,
        changesSqlMode: s.changesSqlMode,
        showsCredentials: s.action.traits.includes('shows-credentials'),
      })
    }
    const last = all[all.length - 1]!.decision
    if (last.outcome !== 'allow') {
      // The statements allowed before it were recorded as started; they never run.
      for (const part of parts.slice(0, -1))
        this.#record(part, 0, 0, 'not run: a later statement of the command was refused')
      const data = this.#o.decisionData
      this.#answer(last.outcome === 'deny' ? denied(last, data) : approvalRequired(last, data))
      return
    }
    if (command === Command.COM_STMT_PREPARE)
      this.#prepared.prepareSent(parseTextCommand(payload), statements[0]!.action)
    this.#forward(command, payload, parts)
  }

  #forward(command: number, payload: Buffer, parts: Part[] = []): void {
    for (const part of parts)
      if (mayChangeRelations(part.action, untracedCall)) {
        this.#changePending = true
        this.#o.changes?.changed()
      }
    const answered = this.#tracker.begin(command)
    this.#o.upstream.write(this.#upstreamBytes(payload))
    if (!answered) return
    this.#inFlight = newFlight(command, parts, undefined)
  }

  /** A client's command as it goes upstream: the frame it came in (sequence 0, checked) when it was one
   * physical packet and is sent unchanged, so forwarding copies nothing. */
  #upstreamBytes(payload: Buffer): Buffer {
    const packet = this.#current
    return packet?.payload === payload && packet.frame ? packet.frame : encodePacket(payload, 0).bytes
  }

  /** The gateway's own answer to a command: one packet, sequence 1. */
  #answer(err: Buffer): void {
    this.#out.write(encodePacket(err, 1).bytes)
  }

  #onUpstreamData(chunk: Buffer): void {
    const rowsBefore = this.#rowsRelayed
    // One write per upstream chunk, not one per packet (a syscall each: 15% of the gateway's CPU on
    // sysbench oltp_read_only before this); unchanged packets as one range of the chunk (client-writer.ts).
    this.#out.begin()
    try {
      if (!this.#relayChunk(chunk)) return
    } finally {
      this.#out.end()
    }
    this.#budget.count({ rows: this.#rowsRelayed - rowsBefore, bytes: chunk.length })
    if (this.#budget.holding) this.#o.upstream.pause()
  }

  /** Cuts the chunk's packets out where they lie. Rows nothing reads (no masking, no credentials, not the
   * gateway's own query) are only counted from their headers and relayed as the range of the chunk they
   * sit in: no view, object or decoding per row, so a big unmasked result costs about what a byte relay
   * pays. Every other packet goes through #serverPacket; a packet cut by the chunk's end (or split over
   * several, ≥ 16 MiB) through the PacketReader. Returns false once the session closed. */
  #relayChunk(chunk: Buffer): boolean {
    const reader = this.#fromUpstream
    const end = chunk.length
    let at = 0
    // The rest of a packet begun in an earlier chunk: the reader is fed exactly its missing bytes, so the
    // packets after it are cut here (a split payload takes the whole chunk: it is rare and big anyway).
    while (reader.bufferedBytes > 0 && at < end) {
      const n = reader.joining ? end - at : Math.min(reader.missingBytes, end - at)
      for (const packet of reader.push(chunk.subarray(at, at + n))) {
        if (this.#closed) return false
        this.#serverPacket(packet)
      }
      at += n
    }
    // A run of rows relayed as they came: from `run` (-1: none) to `at`; `rows` of them.
    let run = -1
    let rows = 0
    let passRows = this.#passingRows()
    while (at + HEADER_BYTES <= end) {
      const length = chunk[at]! | (chunk[at + 1]! << 8) | (chunk[at + 2]! << 16)
      const next = at + HEADER_BYTES + length
      if (next > end || length === MAX_PACKET_PAYLOAD) break
      if (passRows && length > 0 && isRowPacket(chunk[at + HEADER_BYTES]!, length)) {
        if (run < 0) run = at
        rows++
        at = next
        continue
      }
      // A column definition nothing reads (the rows' test: no masking, credentials or own query) is counted
      // and relayed where it lies, as #serverPayload would, without a view of it.
      if (this.#tracker.inColumns && this.#passingColumn()) {
        if (run >= 0) {
          this.#passedRows(chunk, run, at, rows)
          run = -1
          rows = 0
        }
        this.#tracker.column()
        this.#out.relayRange(chunk, at, next)
        passRows = this.#passingRows()
        at = next
        continue
      }
      if (run >= 0) {
        this.#passedRows(chunk, run, at, rows)
        run = -1
        rows = 0
      }
      this.#serverPayload(chunk.subarray(at + HEADER_BYTES, next), chunk[at + 3]!, chunk, at, next)
      if (this.#closed) return false
      passRows = this.#passingRows()
      at = next
    }
    if (run >= 0) this.#passedRows(chunk, run, at, rows)
    if (at < end)
      for (const packet of reader.push(at === 0 ? chunk : chunk.subarray(at))) {
        if (this.#closed) return false
        this.#serverPacket(packet)
      }
    return true
  }

  /** Rows arrive now that nothing reads: they may be relayed as they came. */
  #passingRows(): boolean {
    const flight = this.#inFlight
    return flight !== undefined && this.#tracker.inRows && !this.#readsRows(flight)
  }

  /** A column definition arrives now that nobody decodes (#observe's 'column' case reads none then). */
  #passingColumn(): boolean {
    const flight = this.#inFlight
    return flight !== undefined && !this.#readsRows(flight)
  }

  /** `rows` rows relayed as they came, bytes `from` to `to` of `chunk`. */
  #passedRows(chunk: Buffer, from: number, to: number, rows: number): void {
    this.#inFlight!.rowCount += rows
    this.#rowsRelayed += rows
    this.#out.relayRange(chunk, from, to)
  }

  /** Whether the rows of the part whose results arrive now are read (masked, redacted, or the gateway's
   * own query); else they are relayed as they came. */
  #readsRows(flight: InFlight): boolean {
    if (flight.internal !== undefined || this.#o.masking !== undefined) return true
    flight.showsCredentials ??= flight.parts[flight.at]?.showsCredentials ?? false
    return flight.showsCredentials
  }

  /** `action` as decided: a statement computing on anything that reads a view or calls a stored function
   * counts as computing on a masked column under another name (kit/view-lineage.ts). MariaDB says nothing of what a view's
   * column carries, so every view counts as carrying anything: filtering on a view is refused under a
   * rule that forbids computing on its columns (over-refuses a filter on a view's other columns). */
  #throughViews(action: Action): Action {
    if (this.#o.views === undefined || !computesOnAnything(action)) return action
    return withViewLineage(action, {
      sources: (name) => (this.#isView(name) ? 'unknown' : []),
      untracedCall,
    })
  }

  /** Under masking rules naming columns: a lookup of the names `actions` read that are not known to be
   * views or not (view-names.ts), or undefined when all are known. Clears the allow cache first when a
   * statement may have changed a relation since its decisions were made. */
  #viewLookup(actions: readonly Action[]): Promise<void> | undefined {
    const views = this.#o.views
    if (views === undefined) return undefined
    if (views.generation !== this.#generation) {
      this.#generation = views.generation
      this.#o.gate.clearCache()
    }
    const names = new Set<string>()
    for (const action of actions) for (const name of relationNames(action)) names.add(name)
    const unknown = views.unknown(names)
    return unknown.length === 0 ? undefined : views.resolve(unknown)
  }

  /** Whether the statement whose rows arrive reads a view (or may: unknown, or views could not be read). */
  #readsView(action: Action | undefined): boolean {
    const { views } = this.#o
    if (views === undefined) return false
    if (action === undefined || action.unclassified !== undefined) return true
    for (const need of action.needs) if (this.#isView(need.object.toLowerCase())) return true
    return false
  }

  /** Whether `name` (lower case) is a view the login could see: `db.v` exactly, an unqualified `v` (no
   * current database) a view of that name in any database; every name when the views are not known. */
  #isView(name: string): boolean {
    return this.#o.views?.isView(name) ?? false
  }

  /** A packet the PacketReader joined or completed. */
  #serverPacket(packet: Packet): void {
    const { frame } = packet
    this.#serverPayload(packet.payload, packet.firstSequenceId, frame, 0, frame?.length ?? 0)
  }

  /** One server packet: `payload`, and where its bytes as they came lie (`from` to `to` of `bytes`) when it
   * was one physical packet; `bytes` undefined for a payload joined from several. */
  #serverPayload(
    payload: Buffer,
    firstSequenceId: number,
    bytes: Buffer | undefined,
    from: number,
    to: number,
  ): void {
    const flight = this.#inFlight
    if (!flight) throw new ProtocolViolation('a server packet with no command outstanding')
    const step = this.#tracker.packet(payload)
    const sent = this.#observe(flight, step, payload)
    if (step.kind === 'local-infile') throw new ProtocolViolation('the server asked for a client file')
    if (!flight.internal) {
      // Unchanged: the bytes as they came. Else re-framed; a split payload goes on with the sequence id of
      // its first piece.
      if (sent === payload && bytes !== undefined) this.#out.relayRange(bytes, from, to)
      else this.#out.write(encodePacket(sent, firstSequenceId).bytes)
    }
    if (step.done) this.#finished(flight, step)
  }

  /** Follows what a packet says; returns the payload to send the client (masked when a rule applies). */
  #observe(flight: InFlight, step: ResponseStep, payload: Buffer): Buffer {
    switch (step.kind) {
      case 'column-count':
        // A result set starts: its own columns, its own masking plan.
        flight.columns = []
        flight.plan = undefined
        return payload
      case 'column':
        // Only masking and credential redaction read them: otherwise they are relayed undecoded.
        if (this.#readsRows(flight) && !flight.internal) flight.columns.push(parseColumnDefinition41(payload))
        return payload
      case 'row': {
        flight.rowCount++
        if (flight.internal) {
          flight.internal.sqlMode = parseTextRow(payload, 1)[0]?.toString('utf8') ?? ''
          return payload
        }
        this.#rowsRelayed++
        if (!this.#readsRows(flight)) return payload
        const row = flight.showsCredentials
          ? redactCredentialRow(payload, step.binary, flight.columns)
          : payload
        if (!this.#o.masking) return row
        flight.plan ??= this.#o.masking.plan(
          resultColumnsOf(flight.columns, this.#readsView(flight.parts[flight.at]?.action)),
        )
        return step.binary
          ? maskBinaryRow(flight.plan, row, flight.columns)
          : maskTextRow(flight.plan, row, flight.columns.length)
      }
      case 'ok':
      case 'eof': {
        const flags = step.kind === 'ok' ? step.ok.statusFlags : step.eof.statusFlags
        this.#noBackslashEscapes = (flags & ServerStatus.SERVER_STATUS_NO_BACKSLASH_ESCAPES) !== 0
        this.#inTransaction = (flags & ServerStatus.SERVER_STATUS_IN_TRANS) !== 0
        // A statement's results ended and another statement's follow: this one is done.
        const endsResult = step.kind === 'ok' || step.endsResult === true
        if (endsResult && !step.done && flight.at < flight.parts.length - 1) this.#partDone(flight)
        return payload
      }
      case 'err': {
        flight.error = `${step.err.sqlState} ${step.err.errorCode}`
        const masked = this.#errors?.mask(step.err) ?? step.err
        const safe = withoutForgedDecision(masked) ?? masked
        return safe === step.err ? payload : encodeErrPacket(safe)
      }
      case 'prepare-ok':
        this.#prepared.prepared(step.prepared)
        return payload
      default:
        return payload
    }
  }

  /** The command's response is complete: state it confirmed, its records, and the next command. */
  #finished(flight: InFlight, step: ResponseStep): void {
    this.#inFlight = undefined
    if (this.#changePending && !this.#inTransaction) {
      // Committed (DDL commits implicitly) or rolled back: other connections see it now.
      this.#changePending = false
      this.#o.changes?.changed()
    }
    if (!this.#budget.holding) this.#o.upstream.resume()
    const ok = step.kind !== 'err'
    if (flight.internal?.readOnly) {
      // Fail closed: a session that cannot be made read-only again does not go on.
      if (!ok)
        throw new ProtocolViolation('the server refused SET SESSION TRANSACTION READ ONLY after a reset')
      this.#readSqlMode()
      return
    }
    if (flight.internal) {
      const mode = (flight.internal.sqlMode ?? '').toUpperCase().split(',')
      this.#ansiQuotes = mode.includes('ANSI_QUOTES') || mode.includes('ANSI')
      this.#o.gate.clearCache()
      this.#next()
      return
    }
    if (flight.command === Command.COM_STMT_PREPARE && !ok) this.#prepared.prepareFailed()
    if (flight.command === Command.COM_RESET_CONNECTION && ok) this.#prepared.reset()
    const { parts } = flight
    if (flight.at < parts.length) this.#partDone(flight)
    // The server stops at the first failing statement of a multi-statement command.
    let changesSqlMode = false
    for (let i = 0; i < parts.length; i++) {
      if (i >= flight.at) this.#record(parts[i]!, 0, 0, 'not run: an earlier statement of the command failed')
      if (parts[i]!.changesSqlMode) changesSqlMode = true
    }
    // sql_mode may now hold ANSI_QUOTES, which moves where strings end for the classifier: read it back
    // before the next command is decided.
    if (flight.command === Command.COM_RESET_CONNECTION && ok && this.#o.readOnly) {
      // A reset undoes the session's READ ONLY (and its sql_mode, read back after it).
      this.#internalQuery(READ_ONLY_QUERY, { readOnly: true })
      return
    }
    if (changesSqlMode || flight.command === Command.COM_RESET_CONNECTION) {
      this.#readSqlMode()
      return
    }
    this.#next()
  }

  /** The part whose results were arriving is done (an error, if any, is the flight's): recorded, its state
   * applied when it succeeded, and the next part's results begin. */
  #partDone(flight: InFlight): void {
    const part = flight.parts[flight.at]!
    const now = performance.now()
    if (flight.error === undefined && part.usesDatabase !== undefined) this.#database = part.usesDatabase
    this.#record(part, flight.rowCount, now - flight.startedAt, flight.error)
    flight.at++
    flight.showsCredentials = undefined
    flight.startedAt = now
    flight.rowCount = 0
  }

  #record(part: Part, rowCount: number, durationMs: number, error: string | undefined): void {
    if (part.seq === undefined) return
    const outcome: { rowCount: number; durationMs: number; error?: string } = {
      rowCount,
      durationMs: Math.round(durationMs * 1000) / 1000,
    }
    if (error !== undefined) outcome.error = error
    this.#o.gate.recordOutcome(part.seq, part.action, outcome)
  }

  #readSqlMode(): void {
    this.#internalQuery(SQL_MODE_QUERY, {})
  }

  #internalQuery(sql: string, internal: NonNullable<InFlight['internal']>): void {
    this.#tracker.begin(Command.COM_QUERY)
    this.#inFlight = newFlight(Command.COM_QUERY, [], internal)
    this.#o.upstream.write(encodePacket(encodeTextCommand(Command.COM_QUERY, sql), 0).bytes)
  }
}

/** Every field set, so every flight has one shape. */
const newFlight = (command: number, parts: Part[], internal: InFlight['internal']): InFlight => ({
  command,
  parts,
  at: 0,
  startedAt: performance.now(),
  rowCount: 0,
  columns: [],
  plan: undefined,
  showsCredentials: undefined,
  error: undefined,
  internal,
})
