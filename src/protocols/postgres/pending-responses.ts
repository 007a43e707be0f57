// What the relay waits for from upstream, in order. The client side pushes an entry for each message
// that gets a response the relay must act on; the upstream side consumes them as responses arrive.
// Upstream answers strictly in order (protocol-flow.html#PROTOCOL-FLOW-PIPELINING), so a FIFO suffices.
import type { StatementReads } from './statement-reads.ts'
import type { ErrorFields } from './wire/server-messages.ts'

/** A statement: the text to record, the kind the classifier gave it, and the text as sent. */
export interface StatementInfo {
  /** What is recorded: literals masked or redacted where that applies. */
  text: string
  kind: string
  /** The text as the client sent it, which upstream runs: what masking reads to tell which columns a
   * result value may carry and what a COPY copies. Never recorded. */
  sent: string
  /** Whether running it may change data (its start record is stored before it is forwarded). */
  write?: boolean
  /** The seq of its start record, which the record of its outcome completes. */
  seq?: number
  /** What the text reads, from the classification it was decided on; absent when unknown (masking then
   * treats every computed value's origin as unknown). */
  reads?: StatementReads
}

export type PendingResponse =
  /** An Execute: completes at CommandComplete, EmptyQueryResponse, PortalSuspended or ErrorResponse. */
  | { type: 'execute'; statement: StatementInfo | undefined; startedAt: number }
  /** A simple Query: completes at ReadyForQuery; may contain several statements. */
  | { type: 'query'; statement: StatementInfo; startedAt: number; rows: number | undefined; error?: string }
  /** A denied statement: the next ErrorResponse (caused by the gateway's injected statement) is replaced. */
  | { type: 'denial'; fields: ErrorFields }
  /** A Sync: completes at ReadyForQuery. */
  | { type: 'sync' }

/** Array-backed FIFO that does not shift on every pop. */
export class PendingResponses {
  #items: PendingResponse[] = []
  #head = 0

  push(item: PendingResponse): void {
    this.#items.push(item)
  }

  peek(): PendingResponse | undefined {
    return this.#items[this.#head]
  }

  shift(): PendingResponse | undefined {
    const item = this.#items[this.#head]
    if (item === undefined) return undefined
    this.#head++
    if (this.#head === this.#items.length) {
      this.#items = []
      this.#head = 0
    } else if (this.#head > 1024) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  get length(): number {
    return this.#items.length - this.#head
  }
}
