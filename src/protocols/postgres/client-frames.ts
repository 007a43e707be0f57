// Client -> upstream: every statement is classified and decided before it is forwarded. Simple Query is
// decided per message; the extended protocol at Parse, the decision kept per statement name. A denial is
// answered through the upstream so its ReadyForQuery carries the real transaction status: the denied
// message is replaced by a statement that fails, whose ErrorResponse the upstream side then replaces
// with ours. Inside a transaction block this also aborts the upstream transaction, exactly as a
// permission error from PostgreSQL itself would.
//
// A Parse whose statement needs a human approval is forwarded (parsing runs nothing); each Bind of it is
// then held, so the approval binds the statement text AND the parameter values that will run with it.
import type { Action, Decision } from '../../core/index.ts'
import { approvalRequiredFields, denialFields } from './errors.ts'
import type { PendingResponses, StatementInfo } from './pending-responses.ts'
import type { StatementReads } from './statement-reads.ts'
import {
  type BindParameter,
  parseBind,
  parseBindParameters,
  parseExecute,
  parseParse,
  parseQuery,
  parseTarget,
  SYNC,
  serializeParse,
  serializeQuery,
} from './wire/client-messages.ts'
import { DROP, type FrameSink, KEEP, PAUSE, type Verdict } from './wire/frame-scanner.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'
import type { ErrorFields } from './wire/server-messages.ts'

/** Fails at parse time, so the upstream answers with one ErrorResponse and nothing else; the text names us
 * in the target's log. */
const FAILING_STATEMENT = 'taskgate: statement denied'
const FAILING_QUERY = serializeQuery(FAILING_STATEMENT)
const FAILING_PARSE_AND_SYNC = Buffer.concat([serializeParse(FAILING_STATEMENT), SYNC])

/** Every type byte except CopyData ('d'), which streams through undecoded; unknown types must be seen to be
 * refused. */
export const CLIENT_TYPES_READ = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i))
  .filter((c) => c !== 'd')
  .join('')

export interface DecidedStatement {
  decision: Decision
  kind: string
  /** For a Parse answered approve-first: the Action to hold at each Bind of the statement. */
  held?: Action
  /** The text to record when it differs from what the client sent (secrets redacted). */
  recordText?: string
  /** What the text reads, from its classification (statement-reads.ts); absent when unknown. */
  reads?: StatementReads
  /** What the client hears instead of the denial's own error: a statement PostgreSQL's parser rejects is
   * answered as the server would (42601 with the position), though policy denied it. */
  error?: ErrorFields
  /** For an allowed Parse: whether running the statement may change data. */
  write?: boolean
  /** For a statement about to run: the seq of its start record. */
  seq?: number
}

/** A prepared statement that runs only with an approval per execution. */
export interface HeldStatement extends StatementInfo {
  action: Action
  decision: Extract<Decision, { outcome: 'approve-first' }>
}

export interface ClientFramesDeps {
  pending: PendingResponses
  /** Classifies and decides `text` (of a Query, or of a Parse named `statement`) at once. Undefined when
   * the answer must wait for a person: `decide()` is then called and the scanner pauses until `answer()`. */
  decideNow(text: string, statement: string | undefined): DecidedStatement | undefined
  /** Starts waiting for the answer `decideNow` could not give; the scanner is resumed once `answer()` has
   * the result. */
  decide(text: string, statement: string | undefined): void
  /** Starts holding one execution of `held` with these Bind parameters; the scanner is resumed once
   * `answer()` has the verdict. */
  hold(held: HeldStatement, parameters: readonly BindParameter[]): void
  /** A Close of a prepared statement: SQL EXECUTE can no longer reach it. */
  forget(statement: string): void
  recordDenial(statement: StatementInfo, decision: Exclude<Decision, { outcome: 'allow' }>): void
  /** An Execute of an allowed prepared statement: records it as started (the answer's seq). Undefined when a
   * write must wait for its record to be stored: the scanner pauses until `answer()` has allow or a denial. */
  start(statement: StatementInfo): DecidedStatement | undefined
  now(): number
}

export class ClientFrames implements FrameSink {
  readonly #deps: ClientFramesDeps
  readonly #statements = new Map<string, StatementInfo>()
  readonly #portals = new Map<string, StatementInfo | undefined>()
  /** Statements (by name) whose every Bind needs an approval. */
  readonly #held = new Map<string, HeldStatement>()
  /** Set after a denied Parse: PostgreSQL discards everything up to Sync after an error, so do we. */
  #denial: ErrorFields | undefined
  /** The answer for the frame the scanner paused on. */
  #answer: DecidedStatement | undefined
  terminated = false

  constructor(deps: ClientFramesDeps) {
    this.#deps = deps
  }

  /** Called with the decision the scanner paused for, before it resumes. */
  answer(decided: DecidedStatement): void {
    this.#answer = decided
  }

  pass(): void {
    throw new Error('ClientFrames does not write; see session.ts')
  }

  frame(type: number, frame: Buffer): Verdict {
    switch (type) {
      case 0x51: // Query
      case 0x46: // FunctionCall: calls a function by OID, bypassing SQL; never allowed
        return this.#query(type, frame)
      case 0x50: // Parse
        return this.#parse(frame)
      case 0x42: {
        if (this.#denial) return DROP
        if (this.#held.size > 0) {
          const verdict = this.#heldBind(frame)
          if (verdict !== undefined) return verdict
        }
        // Unnamed portal of the unnamed statement is the common case: skip decoding.
        if (frame[5] === 0 && frame[6] === 0) this.#portals.set('', this.#statements.get(''))
        else {
          const { portal, statement } = parseBind(frame)
          this.#portals.set(portal, this.#statements.get(statement))
        }
        return KEEP
      }
      case 0x45:
        return this.#denial ? DROP : this.#execute(frame)
      case 0x53: {
        const denial = this.#denial
        if (denial) {
          this.#denial = undefined
          this.#deps.pending.push({ type: 'denial', fields: denial })
          this.#deps.pending.push({ type: 'sync' })
          return FAILING_PARSE_AND_SYNC
        }
        this.#deps.pending.push({ type: 'sync' })
        return KEEP
      }
      case 0x43: {
        if (this.#denial) return DROP
        const { target, name } = parseTarget(frame)
        if (target === 'S') {
          this.#statements.delete(name)
          this.#held.delete(name)
          this.#deps.forget(name)
        } else this.#portals.delete(name)
        return KEEP
      }
      case 0x44:
      case 0x48:
        return this.#denial ? DROP : KEEP
      case 0x58:
        this.terminated = true
        return KEEP
      case 0x63: // CopyDone
      case 0x66: // CopyFail
        return KEEP
      default:
        throw new ProtocolViolation(`unexpected message type '${String.fromCharCode(type)}'`)
    }
  }

  #execute(frame: Buffer): Verdict {
    const portal = frame[5] === 0 ? '' : parseExecute(frame)
    let statement = this.#portals.get(portal)
    if (statement !== undefined) {
      const started = this.#answer ?? this.#deps.start(statement)
      this.#answer = undefined
      if (started === undefined) return PAUSE
      if (started.decision.outcome !== 'allow') {
        this.#deps.recordDenial({ ...statement, seq: started.seq }, started.decision)
        this.#denial = fieldsFor(started)
        return DROP
      }
      statement = { ...statement, seq: started.seq }
    }
    this.#deps.pending.push({ type: 'execute', statement, startedAt: this.#deps.now() })
    return KEEP
  }

  #query(type: number, frame: Buffer): Verdict {
    if (this.#denial) return DROP
    const text = type === 0x51 ? parseQuery(frame) : '(FunctionCall message)'
    const decided = this.#decided(type === 0x51 ? text : FUNCTION_CALL, undefined)
    if (decided === PAUSE) return PAUSE
    const statement = { ...statementInfo(decided, text), seq: decided.seq }
    if (decided.decision.outcome === 'allow') {
      this.#deps.pending.push({ type: 'query', statement, startedAt: this.#deps.now(), rows: undefined })
      return KEEP
    }
    this.#deps.recordDenial(statement, decided.decision)
    this.#deps.pending.push({ type: 'denial', fields: fieldsFor(decided) })
    this.#deps.pending.push({ type: 'sync' })
    return FAILING_QUERY
  }

  #parse(frame: Buffer): Verdict {
    if (this.#denial) return DROP
    const { name, text } = parseParse(frame)
    const decided = this.#decided(text, name)
    if (decided === PAUSE) return PAUSE
    const statement = { ...statementInfo(decided, text), write: decided.write }
    this.#held.delete(name)
    if (decided.decision.outcome === 'allow') {
      this.#statements.set(name, statement)
      return KEEP
    }
    if (decided.decision.outcome === 'approve-first' && decided.held) {
      this.#statements.set(name, statement)
      this.#held.set(name, { ...statement, action: decided.held, decision: decided.decision })
      return KEEP
    }
    this.#statements.delete(name)
    this.#deps.recordDenial(statement, decided.decision)
    this.#denial = fieldsFor(decided)
    return DROP
  }

  /** A Bind of a held statement: paused until its approval is decided, then kept or denied. Undefined
   * when the Bind's statement is not held. */
  #heldBind(frame: Buffer): Verdict | undefined {
    const { portal, statement, parameters } = parseBindParameters(frame)
    const held = this.#held.get(statement)
    if (!held) return undefined
    const answer = this.#answer
    if (!answer) {
      this.#deps.hold(held, parameters)
      return PAUSE
    }
    this.#answer = undefined
    const info: StatementInfo = {
      text: held.text,
      kind: held.kind,
      sent: held.sent,
      write: held.write,
      ...readsOf(held),
    }
    if (answer.decision.outcome === 'allow') {
      this.#portals.set(portal, info)
      return KEEP
    }
    this.#portals.delete(portal)
    this.#deps.recordDenial(info, answer.decision)
    this.#denial = fieldsFor(answer)
    return DROP
  }

  #decided(text: string, statement: string | undefined): DecidedStatement | typeof PAUSE {
    const answer = this.#answer
    if (answer) {
      this.#answer = undefined
      return answer
    }
    const now = this.#deps.decideNow(text, statement)
    if (now) return now
    this.#deps.decide(text, statement)
    return PAUSE
  }
}

/** Stands for a FunctionCall message in the decision path. A NUL cannot occur in a Query string (the
 * protocol terminates it with one), so no SQL text can collide with it. */
export const FUNCTION_CALL = '\u0000FunctionCall'

function fieldsFor(decided: DecidedStatement): ErrorFields {
  const { decision } = decided
  if (decided.error) return decided.error
  if (decision.outcome === 'allow') throw new Error('an allowed statement has no error to answer')
  return decision.outcome === 'deny' ? denialFields(decision) : approvalRequiredFields(decision)
}

/** What the relay keeps about a decided statement: the text to record, its kind, the text as sent and what
 * it reads (for masking), so nothing parses the text again. */
function statementInfo(decided: DecidedStatement, sent: string): StatementInfo {
  return { text: decided.recordText ?? sent, kind: decided.kind, sent, ...readsOf(decided) }
}

const readsOf = (from: { reads?: StatementReads }) => (from.reads === undefined ? {} : { reads: from.reads })
