// The action gate every stream protocol puts between a client's action and the target: the session's allow
// cache, the row estimate a `rowsOver` rule asks for, a hold for a person (with the protocol's own "waiting"
// notice when it has one), recording (a write is forwarded only once its record is stored, under
// `recording.onFailure: block`), and a denial on any error. Core decides (core.decide); the gate only
// sequences core's data-path calls, so a protocol keeps nothing but its frames, backpressure and prepared
// statements. Synchronous when it can be (a cached or plain allow), so the hot path stays in one tick.
import type { Logger } from 'pino'
import {
  type Action,
  ALLOW,
  actionDigest,
  type Core,
  type Decision,
  maskSecrets,
  type SessionHandle,
} from '../../core/index.ts'

/** An action's needs as recorded: when its recorded text hides secrets (a Kubernetes exec's command
 * `curl -H 'Authorization: Bearer eyJ…'`), the needs naming the same words hide them too. */
function recordedNeeds(action: StartedAction): Action['needs'] {
  const needs = action.needs!
  if (action.recordText === undefined || action.recordText === action.text) return needs
  // A copy only when a need changes: a MySQL prepared execution's recorded text (with its parameters)
  // always differs from its text, and comes here once per execution.
  let masked: Action['needs'][number][] | undefined
  for (let i = 0; i < needs.length; i++) {
    const need = needs[i]!
    const object = maskSecrets(need.object)
    if (object === need.object) continue
    masked ??= [...needs]
    masked[i] = { ...need, object }
  }
  return masked ?? needs
}

export type ApproveFirst = Extract<Decision, { outcome: 'approve-first' }>

export interface ActionGateOptions {
  core: Core
  handle: SessionHandle
  logger: Logger
  /** Rows the action would touch or return, for a `rowsOver` rule; undefined when unknown. Only called
   * when core says a rule could use it. */
  estimateRows?: (action: Action) => Promise<number | undefined>
  /** Tells the client its action waits for a person; a protocol that cannot say so mid-command leaves it
   * out (MySQL), the approval id then reaches the client only in a denial or not at all. */
  onWaiting?: (approvalId: string, decision: ApproveFirst) => void
  /** Aborted when the session ends: a held action's approval then expires. */
  signal: AbortSignal
  /** Distinct allowed actions remembered (cleared when full); default 1024. */
  allowCacheEntries?: number
}

export interface GateRequest {
  action: Action
  /** The protocol's key for the allow cache: its classifier's key plus every session state that changes
   * what the text means (lexing modes, the current database). Undefined: never cached. */
  cacheKey?: string
  /** A write: recorded durably before it may be forwarded. */
  write: boolean
  /** Record the action as started when allowed (false for a prepare, whose executions are started). */
  start: boolean
  /** What binds an approval to exactly this action; default: the digest of its text. A function is called
   * only when the action is held (a hash per action would be paid by every allowed one). */
  digest?: string | (() => string)
  /** Aborted when this one action's client gives up (an HTTP request whose client left): a held action's
   * approval then expires, as when the session ends. */
  signal?: AbortSignal
}

/** What a started action's record needs of it. */
export type StartedAction = Pick<Action, 'kind' | 'text' | 'recordText'> & { needs?: Action['needs'] }

export interface GateAnswer {
  decision: Decision
  /** The recording seq of an allowed, started action, for its outcome (recordOutcome). */
  seq?: number
}

const DEFAULT_ALLOW_CACHE_ENTRIES = 1024

/** `Kept`: what a protocol keeps with an allowed key (PostgreSQL: the classified statement, so a repeated
 * text skips classification too); decide() keeps nothing, only that the key was allowed. */
export class ActionGate<Kept = never> {
  readonly #o: ActionGateOptions
  readonly #allowed = new Map<string, Kept | undefined>()

  constructor(options: ActionGateOptions) {
    this.#o = options
  }

  /** The session the gate decides for (its exfiltration budget is fed through it: result-budget.ts). */
  get handle(): SessionHandle {
    return this.#o.handle
  }

  /** Forgets every cached allow (the session state a key leaves out changed, e.g. the grant). */
  clearCache(): void {
    this.#allowed.clear()
  }

  /** What rememberAllowed kept with `key`: undefined when `key` is not cached (or was cached by decide()).
   * One Map lookup: a protocol that decides on its own (PostgreSQL's same-tick path) asks this first. */
  allowedBefore(key: string): Kept | undefined {
    return this.#allowed.get(key)
  }

  /** Caches a policy allow of `key` (never an approval's or an estimate's: those cover one run or change
   * with the data), keeping `kept` with it; the cache is cleared when full. */
  rememberAllowed(key: string, kept?: Kept): void {
    if (this.#allowed.size >= (this.#o.allowCacheEntries ?? DEFAULT_ALLOW_CACHE_ENTRIES))
      this.#allowed.clear()
    this.#allowed.set(key, kept)
  }

  decide(request: GateRequest): GateAnswer | Promise<GateAnswer> {
    // For the added-latency histogram: a number, nothing allocated.
    const receivedAt = performance.now()
    try {
      const { core, handle } = this.#o
      if (request.cacheKey !== undefined && this.#allowed.has(request.cacheKey))
        return this.#start(request, ALLOW, receivedAt)
      if (this.#o.estimateRows && core.wantsRowEstimate(handle, request.action))
        return this.#decideEstimated(request, receivedAt)
      return this.#decided(request, core.decide(handle, request.action), true, receivedAt)
    } catch (error) {
      return this.#failClosed(request, error)
    }
  }

  /** Records a started action's outcome (never awaited). */
  recordOutcome(
    seq: number | undefined,
    action: Action,
    outcome: { rowCount?: number; durationMs?: number; error?: string; result?: RecordedResult },
  ): void {
    // Field by field: a spread after other fields copies through V8's generic SetDataProperties.
    const record: Parameters<Core['recordAction']>[1] = {
      kind: action.kind,
      text: action.recordText ?? action.text,
      outcome: 'allow',
    }
    if (outcome.rowCount !== undefined) record.rowCount = outcome.rowCount
    if (outcome.durationMs !== undefined) record.durationMs = outcome.durationMs
    if (outcome.error !== undefined) record.error = outcome.error
    if (outcome.result !== undefined) record.result = outcome.result
    this.#o.core.recordAction(this.#o.handle, record, seq)
  }

  async #decideEstimated(request: GateRequest, receivedAt: number): Promise<GateAnswer> {
    try {
      const estimatedRows = await this.#o.estimateRows!(request.action)
      const action = estimatedRows === undefined ? request.action : { ...request.action, estimatedRows }
      // An estimate changes with the data: the allow is not cached.
      const decision = this.#o.core.decide(this.#o.handle, action)
      return await this.#decided({ ...request, action }, decision, false, receivedAt)
    } catch (error) {
      return this.#failClosed(request, error)
    }
  }

  #decided(
    request: GateRequest,
    decision: Decision,
    cacheable: boolean,
    receivedAt: number,
  ): GateAnswer | Promise<GateAnswer> {
    if (decision.outcome === 'allow') {
      if (cacheable && request.cacheKey !== undefined) this.rememberAllowed(request.cacheKey)
      return this.#start(request, decision, receivedAt)
    }
    if (decision.outcome === 'approve-first') return this.#hold(request, decision)
    this.#recordRefusal(request.action, decision)
    return { decision }
  }

  /**
   * Holds `action` for a person: the approval is stored and its approvers told, the client hears it waits
   * (onWaiting), then the verdict: allow for exactly one run, or a denial (denied, timed out, cancelled).
   * Records nothing: decide() records a refusal itself; a protocol sequencing its own steps (PostgreSQL's
   * extended protocol holds at each Bind) records what it answers.
   */
  async approval(
    action: Action,
    decision: ApproveFirst,
    digest: string = actionDigest(action.text),
    /** Besides the session's: this one action's client gave up. */
    actionSignal?: AbortSignal,
  ): Promise<{ verdict: Decision; approvalId: string }> {
    const { core, handle, signal } = this.#o
    // Approvers see (and the approval records) the text as recorded, never a secret or a masked value.
    const shown = action.recordText === undefined ? action : { ...action, text: action.recordText }
    const held = await core.holdAction(handle, decision, shown, digest)
    this.#o.onWaiting?.(held.approvalId, decision)
    const verdict = await held.wait(actionSignal ? AbortSignal.any([signal, actionSignal]) : signal)
    return { verdict, approvalId: held.approvalId }
  }

  /** An allowed action about to run: recorded as started (its record's seq); a write under
   * `recording.onFailure: block` is answered only once that record is stored, or denied if it cannot be.
   * `receivedAt` (performance.now() when the action arrived) feeds the added-latency histogram. */
  start(action: StartedAction, write: boolean, receivedAt?: number): GateAnswer | Promise<GateAnswer> {
    // Built field by field: a spread of a temporary object per action costs an allocation and a copy.
    const record: Parameters<Core['startAction']>[1] = {
      kind: action.kind,
      text: action.recordText ?? action.text,
      outcome: 'allow',
    }
    if (action.needs) record.needs = recordedNeeds(action)
    const started = this.#o.core.startAction(this.#o.handle, record, { write, receivedAt })
    if (started.durable === undefined) return { decision: ALLOW, seq: started.seq }
    return started.durable.then(
      (durable) => ({ decision: durable, seq: started.seq }),
      (error: unknown) => this.#failClosed({ action }, error),
    )
  }

  /** Holds the action for a person; an approval allows exactly one run of it. */
  async #hold(request: GateRequest, decision: ApproveFirst): Promise<GateAnswer> {
    try {
      const digest = typeof request.digest === 'function' ? request.digest() : request.digest
      const { verdict } = await this.approval(request.action, decision, digest, request.signal)
      if (verdict.outcome === 'deny') {
        this.#recordRefusal(request.action, verdict)
        return { decision: verdict }
      }
      return await this.#start(request, ALLOW)
    } catch (error) {
      return this.#failClosed(request, error)
    }
  }

  /** `receivedAt` is left out after a hold: a person's wait is not latency the gateway added. */
  #start(request: GateRequest, decision: Decision, receivedAt?: number): GateAnswer | Promise<GateAnswer> {
    if (!request.start) return { decision }
    return this.start(request.action, request.write, receivedAt)
  }

  #recordRefusal(action: StartedAction, decision: Exclude<Decision, { outcome: 'allow' }>): void {
    // A refusal names what was missing, which may quote the secret the recorded text hides.
    const hidden = action.recordText !== undefined && action.recordText !== action.text
    this.#o.core.recordAction(this.#o.handle, {
      kind: action.kind,
      text: action.recordText ?? action.text,
      outcome: decision.outcome,
      ...(action.needs ? { needs: recordedNeeds(action) } : {}),
      rule: decision.rule,
      reason: hidden ? maskSecrets(decision.reason) : decision.reason,
    })
  }

  /** Any error while deciding is a denial, never a forward. */
  #failClosed(request: { action: StartedAction }, error: unknown): GateAnswer {
    this.#o.logger.error({ err: String(error) }, 'deciding an action failed')
    const decision: Decision = {
      outcome: 'deny',
      code: 'TG_STORE_UNAVAILABLE',
      rule: 'error',
      reason: 'the gateway could not decide',
    }
    try {
      this.#recordRefusal(request.action, decision)
    } catch {
      // The recorder is what failed: the denial stands without its record.
    }
    return { decision }
  }
}

/** A result summary for replay (core's ActionRecord `result`). */
export interface RecordedResult {
  columns: string[]
  rows: unknown[][]
  truncated: boolean
}
