// What the session answers each statement the client frames hand it: classified (once per distinct allowed
// text: the kit's allow cache keeps the classification with the text), decided by core, and started through
// the kit's action gate (which records an allowed statement's start, a write durably first), or refused.
// Synchronous when it can be, so a cached or plain allow stays in the current tick; a statement that waits
// for a row estimate or a person goes to statement-waits.ts, the client scanner pauses and `answer` resumes
// it.
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { Action, Core, Decision, ScopeEntry, SessionHandle } from '../../core/index.ts'
import type { ActionGate, ApproveFirst, GateAnswer } from '../kit/action-gate.ts'
import { mayChangeRelations, type SchemaChanges } from '../kit/schema-changes.ts'
import { computesOnAnything, relationNames, type ViewSources, withViewLineage } from '../kit/view-lineage.ts'
import type { ClassifiedSql, Classifier } from './classify.ts'
import {
  type DecidedStatement,
  functionCallOf,
  type HeldStatement,
  WAIT_FOR_SERVER,
} from './client-frames.ts'
import { decideFunctionCall, type FunctionCallDeps } from './function-call-decision.ts'
import type { FunctionNames } from './function-names.ts'
import type { StatementInfo, TracedStatement } from './pending-responses.ts'
import { type MaskLiteral, recordableText } from './redact-literals.ts'
import { isExplainable, type RowEstimator } from './row-estimator.ts'
import { allowed, couldNotDecide, notAllowed, overStatementLimits } from './statement-answers.ts'
import { type StatementNamespace, UNCERTAIN } from './statement-namespace.ts'
import { StatementWaits } from './statement-waits.ts'
import { statementWrites } from './statement-writes.ts'
import type { BindParameter } from './wire/client-messages.ts'

export interface StatementDeciderOptions {
  core: Core
  handle: SessionHandle
  /** The session's gate; its allow cache keeps each allowed text's classification. */
  gate: ActionGate<ClassifiedSql>
  logger: Logger
  classifier: Classifier
  estimator?: RowEstimator | undefined
  functions?: FunctionNames | undefined
  limits: { maxStatementBytes: number; maxStatementsPerQuery: number }
  /** Under masking: what views carry (table-catalog.ts), so a filter on a view's renamed masked column is
   * decided as one on that column (kit/view-lineage.ts). Undefined when no masking rule is in force. */
  views?: ViewsByName | undefined
  /** The resource's schema changes: told of each statement that may change a relation, and read so that a
   * decision made through views is not reused from the allow cache once one ran (kit/schema-changes.ts). */
  changes?: SchemaChanges | undefined
  namespace: StatementNamespace
  maskLiteral: MaskLiteral | undefined
  masked: boolean
  closed(): boolean
  /** Hands a later decision to the paused client scanner and resumes it. */
  answer(decided: DecidedStatement): void
}

/** What the views of a name carry (TableCatalog): cached, and looked up when not. */
export interface ViewsByName {
  cachedSourcesOfViewsNamed(name: string): ViewSources | undefined
  resolveViewNames(names: readonly string[]): Promise<void>
}

export class StatementDecider {
  readonly #o: StatementDeciderOptions
  /** The statement decideNow could not answer at once, until decideLater takes it: a Query held for an
   * approval (`decision`), or a statement to decide once its rows are estimated (no `decision`). */
  #awaiting:
    | { text: string; classified: ClassifiedSql; decision?: ApproveFirst }
    | { text: string; started: Promise<DecidedStatement> }
    | undefined
  /** performance.now() when decideNow took up the statement being decided, for the added-latency
   * histogram; #start takes it, a wait for an approval drops it. */
  #decidingSince: number | undefined
  readonly #waits: StatementWaits
  readonly #functionCallDeps: FunctionCallDeps
  /** The schema-change generation the allow cache's decisions were made in (under masking). */
  #generation: number
  /** A statement that may change a relation ran since the session was last idle: when its transaction
   * ends, the change is told again (other connections see it only once committed). */
  #changePending = false

  constructor(options: StatementDeciderOptions) {
    this.#o = options
    this.#waits = new StatementWaits({
      ...options,
      decided: (text, statement, classified, decision) =>
        this.#decided(text, statement, classified, decision, false),
      start: (decided, classified, statement) => this.#start(decided, classified, statement),
      personWaits: () => {
        this.#decidingSince = undefined
      },
    })
    this.#generation = options.changes?.generation ?? 0
    this.#functionCallDeps = {
      core: options.core,
      handle: options.handle,
      functions: options.functions,
      masked: options.masked,
      classify: (text) => this.#classify(text),
      decided: (text, classified, decision) => this.#decided(text, undefined, classified, decision, false),
    }
  }

  /** No statement waits for a decision (the upstream connection may then be handed back to the pool). */
  get idle(): boolean {
    return this.#awaiting === undefined
  }

  /** Classifies and decides `text` in the current tick. Undefined for a Query that needs a human approval,
   * or a statement a `rowsOver` guardrail needs a row estimate for: the scanner then pauses and
   * decideLater answers. */
  decideNow(
    text: string,
    statement: string | undefined,
  ): DecidedStatement | undefined | typeof WAIT_FOR_SERVER {
    // For the added-latency histogram (#start reads it once).
    this.#decidingSince = performance.now()
    const call = functionCallOf(text)
    if (call !== undefined) {
      try {
        return this.#startNow(text, decideFunctionCall(this.#functionCallDeps, call))
      } catch (error) {
        return this.#failClosed(error)
      }
    }
    // A decision made through views holds while the schema does: one number compared.
    const { changes } = this.#o
    if (changes !== undefined && changes.generation !== this.#generation) this.#schemaMoved(changes)
    // The hot path: a text this session's grant allowed before, one Map lookup by the text itself.
    const known = this.#o.gate.allowedBefore(text)
    if (known !== undefined) return this.#startNow(text, this.#start(allowed(known, text), known, statement))
    const tooLarge = overStatementLimits(this.#o.limits, text)
    if (tooLarge) return tooLarge
    let classified: ClassifiedSql
    let decision: Decision
    let estimating = false
    try {
      classified = this.#classify(text)
      const tooMany = overStatementLimits(this.#o.limits, text, classified)
      if (tooMany) return tooMany
      const views = this.#o.views
      if (views !== undefined && computesOnAnything(classified.action)) {
        const names = relationNames(classified.action)
        if (names.some((name) => views.cachedSourcesOfViewsNamed(name) === undefined))
          return this.#startNow(text, this.#decideAfterViewLookup(text, statement, classified, names))
        classified = this.#throughViews(classified)
      }
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

  /** Answers the paused scanner for the statement decideNow left waiting. */
  async decideLater(text: string, statement: string | undefined): Promise<void> {
    const awaiting = this.#awaiting
    this.#awaiting = undefined
    let decided: DecidedStatement
    try {
      if (awaiting === undefined || awaiting.text !== text) throw new Error('no statement awaits a decision')
      decided =
        'started' in awaiting
          ? await awaiting.started
          : awaiting.decision === undefined
            ? await this.#waits.decideEstimated(text, statement, awaiting.classified)
            : await this.#waits.awaitApproval(text, statement, awaiting.classified, awaiting.decision)
    } catch (error) {
      decided = this.#failClosed(error)
    }
    this.#o.answer(decided)
  }

  /** An Execute of an allowed prepared statement (see ClientFramesDeps.start). */
  startExecution(statement: StatementInfo): DecidedStatement | undefined {
    if (statement.changesRelations) this.#relationsMayChange()
    const { traced } = statement
    const { changes } = this.#o
    if (traced !== undefined && changes !== undefined && traced.generation !== changes.generation) {
      void this.#retraced(traced, changes.generation).then((decided) => {
        const answer = decided.decision.outcome === 'allow' ? this.#startExecution(statement) : decided
        if (answer !== undefined) this.#o.answer(answer)
      })
      return undefined
    }
    return this.#startExecution(statement)
  }

  #startExecution(statement: StatementInfo): DecidedStatement | undefined {
    // The statement is what its start record reads (its text is the recorded one: StatementInfo.text), so
    // no object is made for the gate. Decided at its Parse: what an Execute adds is its start record.
    const started = this.#o.gate.start(statement, statement.write === true, performance.now())
    if (!(started instanceof Promise)) return executionAnswer(statement.kind, started)
    void started.then((answer) => this.#o.answer(executionAnswer(statement.kind, answer)))
    return undefined
  }

  /** A prepared statement's Action decided again through what the views it reads carry now; `generation`
   * is then the one it was decided in. Anything but an allow refuses the execution. */
  async #retraced(traced: TracedStatement, generation: number): Promise<DecidedStatement> {
    try {
      const views = this.#o.views
      await views?.resolveViewNames(relationNames(traced.action))
      const action = views === undefined ? traced.action : this.#traced(traced.action, views)
      const decision = this.#o.core.decide(this.#o.handle, action)
      if (decision.outcome === 'deny') return { kind: action.kind, decision }
      if (decision.outcome !== 'allow') return couldNotDecide()
      traced.generation = generation
      return { kind: action.kind, decision }
    } catch (error) {
      return this.#failClosed(error)
    }
  }

  /** One execution of a held prepared statement: the approval binds its text and its Bind parameters. */
  async holdExecution(held: HeldStatement, parameters: readonly BindParameter[]): Promise<void> {
    // Answered only once the scanner has paused on this Bind: a decision can be ready at once (a SQL-prepared
    // statement's allow), and an answer given inside the scanner's own call would be lost.
    await Promise.resolve()
    const decision = await this.#waits.holdExecution(held, parameters)
    this.#o.answer({ kind: held.kind, decision })
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
   * Execute of it is started (startExecution); the answer only says whether it writes.
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
    classified.changesRelations ??= mayChangeRelations(classified.action, untracedCall)
    if (statement !== undefined) {
      decided.write = write
      if (decided.decision.outcome === 'allow') {
        if (classified.changesRelations) decided.changesRelations = true
        const { changes } = this.#o
        if (this.#o.views !== undefined && changes !== undefined && computesOnAnything(classified.action))
          decided.traced = { action: classified.action, generation: changes.generation }
      }
      return decided
    }
    if (decided.decision.outcome !== 'allow') return decided
    if (classified.changesRelations) this.#relationsMayChange()
    const started = this.#o.gate.start(classified.action, write, receivedAt)
    // No closure for the usual, synchronous start.
    if (started instanceof Promise) return started.then((answer) => completeStart(decided, answer))
    return completeStart(decided, started)
  }

  /** The answer for a decided statement (a Query's approve-first excepted: that one waits). */
  #decided(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
    decision: Decision,
    cacheable: boolean,
  ): DecidedStatement | Promise<DecidedStatement> {
    const refused = notAllowed(classified, text, statement, decision)
    if (refused !== undefined) return refused
    // Only a policy allow is cached: an approval covers one execution; an estimate changes with the data.
    // The grant is fixed for the session's life (and ends it), so an allow stays valid until then; a text
    // whose meaning depends on the session's prepared statements (`EXECUTE p`) is never kept: p can be
    // closed and prepared again as something else.
    if (cacheable && !classified.dependsOnPrepared) this.#o.gate.rememberAllowed(text, classified)
    return this.#start(allowed(classified, text), classified, statement)
  }

  /** The classified statement with its `recordText` when that differs from the text: literals redacted
   * when it carries a secret (PASSWORD '...'), or what masking rules find in them masked, so neither reaches
   * core's audit, recordings or approvers. Policy still decides on the text as sent (regex guardrails); an
   * allowed statement is cached with its recordText, so the scan runs once per distinct text. */
  #classify(text: string): ClassifiedSql {
    const parsed = this.#o.classifier.classifyWithEffects(text, (name) => this.#preparedAction(name))
    const recordText = recordableText(text, parsed.action.traits, this.#o.maskLiteral)
    return recordText === text ? parsed : { ...parsed, action: { ...parsed.action, recordText } }
  }

  /** A statement computing on something, decided once the views it may read are known (a lookup on the
   * catalog connection, cached a minute); otherwise as decideNow does. */
  async #decideAfterViewLookup(
    text: string,
    statement: string | undefined,
    classified: ClassifiedSql,
    names: readonly string[],
  ): Promise<DecidedStatement> {
    try {
      await this.#o.views?.resolveViewNames(names)
      const traced = this.#throughViews(classified)
      const { core, handle, estimator } = this.#o
      const estimating = core.wantsRowEstimate(handle, traced.action)
      if (estimating && estimator && isExplainable(traced.action.kind))
        return await this.#waits.decideEstimated(text, statement, traced)
      const decision = core.decide(handle, traced.action)
      if (decision.outcome === 'approve-first' && statement === undefined)
        return await this.#waits.awaitApproval(text, statement, traced, decision)
      return await this.#decided(text, statement, traced, decision, !estimating)
    } catch (error) {
      return this.#failClosed(error)
    }
  }

  /** `classified` with what the views it reads carry added to what it computes on; unknown (not looked
   * up) counts as untraced. */
  #throughViews(classified: ClassifiedSql): ClassifiedSql {
    const views = this.#o.views
    if (views === undefined) return classified
    const action = this.#traced(classified.action, views)
    return action === classified.action ? classified : { ...classified, action }
  }

  #traced(action: Action, views: ViewsByName): Action {
    return withViewLineage(action, {
      sources: (name) => views.cachedSourcesOfViewsNamed(name) ?? 'unknown',
      untracedCall,
    })
  }

  /** What `EXECUTE name` runs, for the classifier; throws UNCERTAIN while the server has yet to confirm
   * what the name is (the statement then waits for it, see statement-namespace.ts). */
  #preparedAction(name: string) {
    const statement = this.#o.namespace.statement(name)
    if (statement === UNCERTAIN) throw UNCERTAIN
    return statement?.unknown ? undefined : statement?.action
  }

  /** The server answered ReadyForQuery with transaction status `status`: once idle after a statement that
   * may have changed a relation, what it changed is committed (or rolled back): every cache forgets again. */
  transactionSettled(status: number | undefined): void {
    if (!this.#changePending || status !== 0x49 /* 'I' */) return
    this.#changePending = false
    this.#o.changes?.changed()
  }

  /** The session ended: a change it may have made is committed or rolled back now. */
  ended(): void {
    this.transactionSettled(0x49)
  }

  #relationsMayChange(): void {
    this.#changePending = true
    this.#o.changes?.changed()
  }

  /** Another statement of the resource may have changed a relation: allows decided through views before
   * are decided again (under masking; without it the allow cache holds no view lineage). */
  #schemaMoved(changes: SchemaChanges): void {
    this.#generation = changes.generation
    if (this.#o.views !== undefined) this.#o.gate.clearCache()
  }

  #failClosed(error: unknown): DecidedStatement {
    this.#o.logger.error({ err: String(error) }, 'deciding a statement failed')
    return couldNotDecide()
  }
}

function executionAnswer(kind: string, answer: GateAnswer): DecidedStatement {
  const decided: DecidedStatement = { kind, decision: answer.decision }
  if (answer.seq !== undefined) decided.seq = answer.seq
  return decided
}

/** PostgreSQL's own functions read only what they are given; any other may read any table, or run DDL. */
const untracedCall = (need: ScopeEntry): boolean =>
  need.verb === 'execute' && !need.object.startsWith('pg_catalog.')

function completeStart(decided: DecidedStatement, answer: GateAnswer): DecidedStatement {
  decided.seq = answer.seq
  decided.decision = answer.decision
  return decided
}
