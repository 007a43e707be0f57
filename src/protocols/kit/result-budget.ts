// What an engine does with the exfiltration budget's verdict on what it just relayed (core decides; see
// SessionHandle.countResult): a warning goes to the client in the protocol's own notice, when it has one; a
// hold pauses reading the upstream (mid-result: the client receives nothing more) until a person decides,
// telling the client it waits; an end pauses it until core's close arrives. Called per chunk or result, never
// per row.
import type { Logger } from 'pino'
import type { BudgetVerdict, ResultRead, SessionHandle } from '../../core/index.ts'

export interface ResultBudgetOptions {
  handle: SessionHandle
  logger: Logger
  /** Stops and restarts reading from the upstream; `resume` only when nothing else holds it paused. */
  pause(): void
  resume(): void
  /** Sends the client a protocol-native notice (PostgreSQL NoticeResponse); absent where the protocol has no
   * asynchronous notice (MySQL): the warning is then only audited. */
  notice?(severity: 'WARNING' | 'NOTICE', message: string, hint: string): void
}

export class ResultBudget {
  readonly #o: ResultBudgetOptions
  #holding = false

  constructor(options: ResultBudgetOptions) {
    this.#o = options
  }

  /** While true the upstream stays paused: the engine's other resume paths (drain) ask first. */
  get holding(): boolean {
    return this.#holding
  }

  count(read: ResultRead): void {
    const verdict = this.#o.handle.countResult(read)
    if (verdict) this.#apply(verdict)
  }

  #apply(verdict: BudgetVerdict): void {
    const { notice } = this.#o
    if (verdict.action === 'warn') {
      notice?.('WARNING', `taskgate: ${verdict.message}`, BUDGET_HINT)
      return
    }
    if (this.#holding) return
    this.#holding = true
    this.#o.pause()
    if (verdict.action === 'end') return
    void verdict.approvalId.then(
      (id) =>
        notice?.(
          'NOTICE',
          `taskgate: waiting for approval ${id} (rule budget): ${verdict.message}`,
          `an approver runs: taskgate approve ${id} --reason "..."`,
        ),
      () => {},
    )
    void verdict.goOn.then((goOn) => {
      if (!goOn) return // core ends the grant: the close follows.
      this.#holding = false
      this.#o.resume()
    })
  }
}

const BUDGET_HINT =
  'the task reads more than its budget expects: read only what it needs; further thresholds hold the session for a person or end the grant'
