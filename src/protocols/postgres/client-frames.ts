// Client -> upstream: every statement is classified and decided before it is forwarded. Simple Query is
// decided per message; the extended protocol at Parse, and a held statement again at each Bind. A denied
// message is replaced by one that fails at once (a Query, or a Parse of a named statement that cannot parse
// and so changes nothing), whose ErrorResponse the upstream side replaces with ours: the client hears it
// exactly when PostgreSQL would answer its own error (flushed at once, Flush or not), the ReadyForQuery
// carries the real transaction status, and inside a transaction block the upstream transaction aborts as
// it would for a permission error of PostgreSQL's own. After it, like the server after any error in the
// extended protocol, every message up to Sync is skipped.
//
// What the session's prepared statements and portals are comes from statement-namespace.ts, which changes
// only on the server's confirmations. A Parse whose statement needs a human approval is forwarded (parsing
// runs nothing, and clients Describe it); each Bind of it is then held, so the approval binds the statement
// text AND the parameter values that will run with it.
import type { Action, Decision } from '../../core/index.ts'
import { approvalRequiredFields, denialFields } from './errors.ts'
import type {
  PendingResponse,
  PendingResponses,
  StatementInfo,
  TracedStatement,
} from './pending-responses.ts'
import { type PreparedStatement, type StatementNamespace, UNCERTAIN } from './statement-namespace.ts'
import type { StatementReads } from './statement-reads.ts'
import {
  type BindParameter,
  parseBind,
  parseBindParameters,
  parseExecute,
  parseFunctionCall,
  parseParse,
  parseQuery,
  parseTarget,
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
/** A named Parse that fails changes nothing (an unnamed one would drop the client's unnamed statement). */
const FAILING_PARSE = serializeParse(FAILING_STATEMENT, 'taskgate: denied')

/** Every type byte except CopyData ('d'), which streams through undecoded; unknown types must be seen to be
 * refused. */
export const CLIENT_TYPES_READ = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i))
  .filter((c) => c !== 'd')
  .join('')

export interface DecidedStatement {
  decision: Decision
  kind: string
  /** The classified statement, for `EXECUTE name` and the record. */
  action?: Action
  /** For a Parse answered approve-first: the Action to hold at each Bind of the statement. */
  held?: Action
  /** The text to record when it differs from what the client sent (secrets redacted). */
  recordText?: string
  /** What the text reads, from its classification (statement-reads.ts); absent when unknown. */
  reads?: StatementReads
  /** What an allowed Query does to the session's prepared statements, once it succeeds. */
  prepared?: readonly { name: string; action: Action }[]
  deallocated?: readonly string[]
  /** What the client hears instead of the denial's own error: a statement PostgreSQL's parser rejects is
   * answered as the server would (42601 with the position), though policy denied it. */
  error?: ErrorFields
  /** For an allowed Parse: whether running the statement may change data. */
  write?: boolean
  /** For an allowed Parse: running it may change a relation (each Execute tells the resource's caches). */
  changesRelations?: true
  /** For an allowed Parse under masking: see StatementInfo.traced. */
  traced?: TracedStatement
  /** For a statement about to run: the seq of its start record. */
  seq?: number
}

/** A prepared statement that runs only with an approval (or a decision) per execution. */
export type HeldStatement = PreparedStatement

/** decideNow's answer when the statement reads a prepared statement the server has yet to confirm. */
export const WAIT_FOR_SERVER: typeof UNCERTAIN = UNCERTAIN

export interface ClientFramesDeps {
  pending: PendingResponses
  namespace: StatementNamespace
  /** Classifies and decides `text` (of a Query, or of a Parse named `statement`) at once. Undefined when
   * the answer must wait (a person, a row estimate, a write's start record): `decide()` is then called and
   * the scanner pauses until `answer()`. WAIT_FOR_SERVER when it names a prepared statement an unanswered
   * message may change. */
  decideNow(text: string, statement: string | undefined): DecidedStatement | undefined | typeof UNCERTAIN
  /** Starts waiting for the answer `decideNow` could not give; the scanner is resumed once `answer()` has
   * the result. */
  decide(text: string, statement: string | undefined): void
  /** Starts deciding one execution of `held` with these Bind parameters; the scanner is resumed once
   * `answer()` has the verdict. */
  hold(held: HeldStatement, parameters: readonly BindParameter[]): void
  recordDenial(statement: StatementInfo, decision: Exclude<Decision, { outcome: 'allow' }>): void
  /** An Execute of an allowed prepared statement: records it as started (the answer's seq). Undefined when a
   * write must wait for its record to be stored: the scanner pauses until `answer()` has allow or a denial. */
  start(statement: StatementInfo): DecidedStatement | undefined
  now(): number
}

export class ClientFrames implements FrameSink {
  readonly #deps: ClientFramesDeps
  /** After a denial, as the server after an error: everything up to Sync is dropped. */
  #skipping = false
  /** The answer for the frame the scanner paused on. */
  #answer: DecidedStatement | undefined
  /** The held Bind the scanner paused on, as it was looked up then. */
  #holding: { portal: string; statement: HeldStatement } | undefined
  /** The last Execute or Query sent, until a message other than Flush or Sync follows it: should it start a
   * COPY FROM STDIN, the server ignores the Syncs sent meanwhile (PendingResponses.dropSyncsDuring). */
  #mayCopy: PendingResponse | undefined
  /** Paused until the server answers what is in flight (see statement-namespace.ts). */
  waitingForServer = false
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
    if (type === 0x58) {
      // Not forwarded: the session ends the upstream connection itself, or keeps it for the grant's next
      // login (upstream-pool.ts).
      this.terminated = true
      return DROP
    }
    if (type === 0x53) return this.#sync()
    if (type !== 0x48) this.#mayCopy = undefined
    // CopyDone and CopyFail belong to a COPY FROM STDIN the server is running.
    if (type === 0x63 || type === 0x66) return KEEP
    if (this.#skipping) {
      if (!KNOWN.has(type))
        throw new ProtocolViolation(`unexpected message type '${String.fromCharCode(type)}'`)
      return DROP
    }
    switch (type) {
      case 0x51: // Query
      case 0x46: // FunctionCall
        return this.#query(type, frame)
      case 0x50:
        return this.#parse(frame)
      case 0x42:
        return this.#bind(frame)
      case 0x45:
        return this.#execute(frame)
      case 0x44: // Describe
        parseTarget(frame)
        this.#deps.pending.push({ type: 'describe' })
        return KEEP
      case 0x43: {
        // Close: takes effect at CloseComplete; until then a Bind of the name still sees the statement, which
        // is what the server has should the Close be skipped.
        const { target, name } = parseTarget(frame)
        if (target === 'S') this.#deps.namespace.closing(name)
        else this.#deps.namespace.closingPortal(name)
        this.#deps.pending.push({ type: 'close', target, name })
        return KEEP
      }
      case 0x48: // Flush
        return KEEP
      default:
        throw new ProtocolViolation(`unexpected message type '${String.fromCharCode(type)}'`)
    }
  }

  #sync(): Verdict {
    this.#skipping = false
    const duringCopyOf = this.#mayCopy
    this.#deps.pending.push({
      type: 'sync',
      parsed: this.#deps.namespace.endSegment(),
      ...(duringCopyOf ? { duringCopyOf } : {}),
    })
    return KEEP
  }

  #query(type: number, frame: Buffer): Verdict {
    const text = type === 0x51 ? parseQuery(frame) : '(FunctionCall message)'
    let decided = this.#decided(type === 0x51 ? text : functionCallKey(frame), undefined)
    if (decided === PAUSE) return PAUSE
    // SQL PREPAREs are remembered like Parses: past the bound the query is refused before it runs.
    if (decided.decision.outcome === 'allow' && decided.prepared?.length && this.#deps.namespace.full)
      decided = { ...decided, decision: TOO_MANY_STATEMENTS.decision }
    const statement = infoOf(decided, text)
    if (decided.seq !== undefined) statement.seq = decided.seq
    const startedAt = this.#deps.now()
    if (decided.decision.outcome === 'allow') {
      const prepared = decided.prepared
      const preparing = prepared !== undefined && prepared.length > 0
      // No array and no spread temporaries for the usual query, which prepares and deallocates nothing.
      this.#deps.namespace.querySent(preparing ? prepared.map((p) => p.name) : NO_NAMES)
      const query: PendingResponse = { type: 'query', statement, startedAt, rows: undefined }
      if (preparing) query.prepared = prepared
      if (decided.deallocated?.length) query.deallocated = decided.deallocated
      this.#deps.pending.push(query)
      this.#mayCopy = query
      return KEEP
    }
    this.#deps.recordDenial(statement, decided.decision)
    this.#deps.namespace.querySent(NO_NAMES)
    const denial = fieldsFor(decided)
    this.#deps.pending.push({ type: 'query', statement, startedAt, rows: undefined, denial })
    return FAILING_QUERY
  }

  #parse(frame: Buffer): Verdict {
    const { name, text } = parseParse(frame)
    const namespace = this.#deps.namespace
    if (name !== '' && this.#answer === undefined && namespace.full)
      return this.#deny({ kind: 'Parse', text: '(Parse)', sent: '' }, TOO_MANY_STATEMENTS)
    const decided = this.#decided(text, name)
    if (decided === PAUSE) return PAUSE
    const info = infoOf(decided, text)
    const { decision } = decided
    if (decision.outcome === 'deny' || (decision.outcome === 'approve-first' && !decided.held))
      return this.#deny(info, decided)
    const statement: PreparedStatement = { ...info, action: decided.action ?? unknownAction(info) }
    if (decided.write !== undefined) statement.write = decided.write
    if (decision.outcome === 'approve-first') {
      statement.action = decided.held!
      statement.held = decision
    }
    namespace.parsing(name, statement)
    this.#deps.pending.push({ type: 'parse', name, statement })
    return KEEP
  }

  /** A Bind: kept when its statement runs without a further decision, else paused until the decision for
   * this execution (an approval bound to the parameters, a row estimate, SQL PREPARE's EXECUTE rules). */
  #bind(frame: Buffer): Verdict {
    const answer = this.#answer
    const holding = this.#holding
    if (answer !== undefined && holding !== undefined) {
      this.#answer = undefined
      this.#holding = undefined
      if (answer.decision.outcome !== 'allow') return this.#deny(holding.statement, answer)
      return this.#bound(holding.portal, infoOf(holding.statement))
    }
    const { portal, statement: name } = parseBind(frame)
    const statement = this.#deps.namespace.statement(name)
    if (statement === UNCERTAIN) return this.#waitForServer()
    if (statement?.unknown) return this.#deny(statement, unknownStatement(name))
    if (statement?.held || statement?.decideAtBind) {
      this.#holding = { portal, statement }
      this.#deps.hold(statement, parseBindParameters(frame).parameters)
      return PAUSE
    }
    // A statement the server does not have: it answers the Bind with its own error.
    return this.#bound(portal, statement && infoOf(statement))
  }

  #bound(portal: string, statement: StatementInfo | undefined): Verdict {
    this.#deps.namespace.binding(portal, statement)
    this.#deps.pending.push({ type: 'bind', portal, statement })
    return KEEP
  }

  /** An Execute runs its portal's statement as the server will hold it then (statement-namespace.ts); a
   * known one is recorded as started first, and a write only once that record is stored. */
  #execute(frame: Buffer): Verdict {
    const portal = parseExecute(frame)
    const found = this.#deps.namespace.portal(portal)
    if (found === UNCERTAIN) return this.#waitForServer()
    const statement = found
    let seq: number | undefined
    if (statement !== undefined) {
      const started = this.#answer ?? this.#deps.start(statement)
      this.#answer = undefined
      if (started === undefined) return PAUSE
      if (started.decision.outcome !== 'allow') return this.#deny({ ...statement, seq: started.seq }, started)
      // On the entry, not a copy of the statement: the portal's statement serves each of its executions.
      seq = started.seq
    }
    const execute: PendingResponse = { type: 'execute', portal, statement, startedAt: this.#deps.now(), seq }
    this.#deps.pending.push(execute)
    this.#mayCopy = execute
    return KEEP
  }

  /** Replaces the denied message with one that fails, and skips what the server would skip after it. */
  #deny(statement: StatementInfo, decided: DecidedStatement): Verdict {
    const { decision } = decided
    if (decision.outcome === 'allow') throw new Error('an allowed statement is not denied')
    const info = infoOf(statement)
    if (statement.seq !== undefined) info.seq = statement.seq
    this.#deps.recordDenial(info, decision)
    this.#deps.pending.push({ type: 'denial', fields: fieldsFor(decided) })
    this.#skipping = true
    return FAILING_PARSE
  }

  #waitForServer(): typeof PAUSE {
    this.waitingForServer = true
    return PAUSE
  }

  #decided(text: string, statement: string | undefined): DecidedStatement | typeof PAUSE {
    const answer = this.#answer
    if (answer) {
      this.#answer = undefined
      return answer
    }
    const now = this.#deps.decideNow(text, statement)
    if (now === UNCERTAIN) return this.#waitForServer()
    if (now) return now
    this.#deps.decide(text, statement)
    return PAUSE
  }
}

const NO_NAMES: readonly string[] = Object.freeze([])

const TOO_MANY_STATEMENTS: DecidedStatement = {
  kind: 'Parse',
  decision: {
    outcome: 'deny',
    code: 'TG_FORBIDDEN',
    rule: 'limits',
    reason: 'too many prepared statements in this session; close some first',
  },
}

function unknownStatement(name: string): DecidedStatement {
  return {
    kind: 'Unknown',
    decision: {
      outcome: 'deny',
      code: 'TG_UNCLASSIFIED',
      rule: 'unclassified',
      reason: `prepared statement "${name}" is unknown after a query that would have prepared it failed; prepare it again under another name`,
    },
  }
}

/** Message types a client may send after startup (CopyData passes unread). */
const KNOWN = new Set([0x51, 0x46, 0x50, 0x42, 0x45, 0x44, 0x43, 0x48])

/** Starts what stands for a FunctionCall message in the decision path: `FUNCTION_CALL oid argumentCount`. A
 * NUL cannot occur in a Query string (the protocol terminates it with one), so no SQL text can collide. */
export const FUNCTION_CALL = '\u0000FunctionCall'

function functionCallKey(frame: Buffer): string {
  const { oid, argumentCount } = parseFunctionCall(frame)
  return `${FUNCTION_CALL} ${oid} ${argumentCount}`
}

/** The OID and argument count of a FunctionCall's decision-path key (functionCallKey). */
export function functionCallOf(key: string): { oid: number; argumentCount: number } | undefined {
  if (!key.startsWith(FUNCTION_CALL)) return undefined
  const [, oid, argumentCount] = key.split(' ')
  return { oid: Number(oid), argumentCount: Number(argumentCount) }
}

const PORTAL_KINDS = ['DeclareCursorStmt', 'ClosePortalStmt', 'DiscardStmt', 'Unknown']

function infoOf(decided: DecidedStatement | StatementInfo, sent?: string): StatementInfo {
  if ('decision' in decided) {
    const info: StatementInfo = { text: decided.recordText ?? sent!, kind: decided.kind, sent: sent! }
    if (decided.reads !== undefined) info.reads = decided.reads
    if (decided.action !== undefined) info.needs = decided.action.needs
    if (decided.write !== undefined) info.write = decided.write
    if (decided.changesRelations) info.changesRelations = true
    if (decided.traced !== undefined) info.traced = decided.traced
    const traits = decided.action?.traits
    if (traits?.includes('contains-secret')) info.secret = true
    // No array built per statement: the kind, then each trait.
    if (
      traits === undefined ||
      PORTAL_KINDS.includes(decided.kind) ||
      traits.some((t) => PORTAL_KINDS.includes(t))
    )
      info.touchesPortals = true
    return info
  }
  const {
    text,
    kind,
    sent: as,
    write,
    touchesPortals,
    reads,
    secret,
    needs,
    changesRelations,
    traced,
  } = decided
  const info: StatementInfo = { text, kind, sent: as }
  if (changesRelations) info.changesRelations = true
  if (traced !== undefined) info.traced = traced
  if (needs !== undefined) info.needs = needs
  if (secret) info.secret = true
  if (reads !== undefined) info.reads = reads
  if (write !== undefined) info.write = write
  if (touchesPortals) info.touchesPortals = true
  return info
}

function unknownAction(info: StatementInfo): Action {
  return { protocol: 'postgres', kind: info.kind, needs: [], traits: [], text: info.text }
}

function fieldsFor(decided: DecidedStatement): ErrorFields {
  const { decision } = decided
  if (decided.error) return decided.error
  if (decision.outcome === 'allow') throw new Error('an allowed statement has no error to answer')
  return decision.outcome === 'deny' ? denialFields(decision) : approvalRequiredFields(decision)
}
