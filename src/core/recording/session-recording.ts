// What the data path records and whether it may go on: each statement is recorded when it starts and again
// with its outcome (one row, same seq); a write waits for its start record to be stored before it is
// forwarded; and while the store cannot take records or denial audit entries, `recording.onFailure: block`
// (the default) denies every statement with TG_RECORDING_UNAVAILABLE, naming the store's problem.
import type { Logger } from 'pino'
import type { AuditEventInput } from '../audit/events.ts'
import { toTaskgateError } from '../errors.ts'
import { ALLOW, type Decision, type Denial } from '../policy/decision.ts'
import type { SessionHandle } from '../sessions/session-handle.ts'
import { AuditRetryQueue } from './audit-retry-queue.ts'
import type { ActionRecord } from './events.ts'
import { Recorder } from './recorder.ts'

export type ActionInput = Omit<ActionRecord, 'sessionId' | 'seq' | 'at' | 'final'> & { at?: Date }

export interface SessionRecordingOptions {
  onFailure: 'block' | 'continue'
  writeActions: (batch: ActionRecord[]) => Promise<void>
  audit: (event: AuditEventInput) => Promise<unknown>
  now: () => Date
  logger: Logger
  /** The approval (if any) an allowed statement ran under, taken once by the statement's first record. */
  takeApproval: (sessionId: string, text: string) => Partial<ActionRecord> | undefined
}

export interface StartedAction {
  seq: number
  /** For a write under `block`: resolves once its start record is stored (allow) or with the denial to
   * answer when it could not be (the statement is then recorded as denied under the same seq). */
  durable?: Promise<Decision>
}

export class SessionRecording {
  readonly #o: SessionRecordingOptions
  readonly recorder: Recorder
  readonly #denialAudits: AuditRetryQueue
  readonly #seq = new Map<string, number>()
  /** Approvals taken by a statement's start record, for its outcome record, by session then seq. */
  readonly #approvals = new Map<string, Map<number, Partial<ActionRecord>>>()

  constructor(options: SessionRecordingOptions) {
    this.#o = options
    const { logger } = options
    this.recorder = new Recorder({
      write: options.writeActions,
      onError: (error, lost) =>
        lost > 0
          ? logger.error({ err: error, lost }, 'session recording records were shed')
          : logger.error({ err: error }, 'could not write session recording batch; retrying'),
      onHealthChange: (failure) => {
        if (failure === undefined) logger.info('session recording is written again')
      },
    })
    this.#denialAudits = new AuditRetryQueue(options.audit, logger)
  }

  /** Why statements cannot be recorded now, as a client-safe sentence; undefined when they can. */
  problem(): string | undefined {
    const failure = this.recorder.failure ?? this.#denialAudits.failure
    return failure === undefined ? undefined : toTaskgateError(failure).clientMessage
  }

  /** Under `block`, the denial every statement gets while records cannot be stored; else undefined. */
  gate(): Denial | undefined {
    if (this.#o.onFailure !== 'block') return undefined
    const problem = this.problem()
    return problem === undefined ? undefined : unrecordable(problem)
  }

  /** Audits a denial without making the statement wait for the store. */
  auditDenial(event: AuditEventInput): void {
    this.#denialAudits.submit(event)
  }

  start(session: SessionHandle, record: ActionInput, write: boolean): StartedAction {
    const seq = this.#nextSeq(session.id)
    const approval = record.outcome === 'allow' ? this.#o.takeApproval(session.id, record.text) : undefined
    if (approval) {
      const bySeq = this.#approvals.get(session.id) ?? new Map()
      bySeq.set(seq, approval)
      this.#approvals.set(session.id, bySeq)
    }
    const full: ActionRecord = {
      ...record,
      ...approval,
      sessionId: session.id,
      seq,
      at: record.at ?? this.#o.now(),
    }
    if (!write || this.#o.onFailure !== 'block') {
      this.recorder.push(full)
      return { seq }
    }
    const durable = this.recorder.pushDurable(full).then(
      () => ALLOW,
      (error: unknown) => {
        const denial = unrecordable(toTaskgateError(error).clientMessage)
        // Not final: the protocol records the denial it answers under this seq too.
        this.#record(
          session,
          { ...record, outcome: 'deny', rule: denial.rule, reason: denial.reason },
          seq,
          false,
        )
        this.auditDenial({
          type: 'action.denied',
          actor: session.grant.principalId,
          subject: session.id,
          data: { rule: denial.rule, kind: record.kind, text: record.text.slice(0, 2000) },
        })
        return denial
      },
    )
    return { seq, durable }
  }

  /** A statement's outcome: completes its start record when `seq` is given, else a record of its own. */
  record(session: SessionHandle, record: ActionInput, seq?: number): void {
    this.#record(session, record, seq, true)
  }

  /** `final`: no other outcome of `seq` follows, so a start still queued is stored once (ActionRecord.final). */
  #record(session: SessionHandle, record: ActionInput, seq: number | undefined, final: boolean): void {
    let approval: Partial<ActionRecord> | undefined
    if (seq !== undefined) {
      if (this.#approvals.size > 0) {
        const bySeq = this.#approvals.get(session.id)
        approval = bySeq?.get(seq)
        bySeq?.delete(seq)
      }
      // The hot path: the start record is still queued, so it takes the outcome in place (it carries its
      // approval and start time already).
      if (this.recorder.complete(session.id, seq, record, final)) return
    } else if (record.outcome === 'allow') approval = this.#o.takeApproval(session.id, record.text)
    const full: ActionRecord = {
      ...record,
      ...approval,
      sessionId: session.id,
      seq: seq ?? this.#nextSeq(session.id),
      at: record.at ?? this.#o.now(),
    }
    // A record of its own is the statement's only one; an outcome whose start is already (being) stored
    // completes that row.
    if (seq === undefined) full.final = true
    this.recorder.push(full)
  }

  forget(session: SessionHandle): void {
    this.#seq.delete(session.id)
    this.#approvals.delete(session.id)
  }

  async flush(): Promise<void> {
    await this.recorder.flush()
    await this.#denialAudits.flush()
  }

  /** Records and denial audit entries not yet written to the store. */
  get backlog(): number {
    return this.recorder.queued + this.#denialAudits.queued
  }

  /** At shutdown: what could not be written is lost; say how much. */
  async close(): Promise<void> {
    await this.flush()
    const lost = this.recorder.queued + this.#denialAudits.queued
    if (lost > 0) this.#o.logger.error({ lost }, 'the store did not take these records before shutdown')
  }

  #nextSeq(sessionId: string): number {
    const seq = (this.#seq.get(sessionId) ?? 0) + 1
    this.#seq.set(sessionId, seq)
    return seq
  }
}

function unrecordable(problem: string): Denial {
  return {
    outcome: 'deny',
    code: 'TG_RECORDING_UNAVAILABLE',
    rule: 'recording',
    reason: `taskgate cannot record statements durably, so it runs none: ${problem}`,
    requestHint: 'an operator restores the store (space, permissions, connectivity); retry then',
  }
}
