// What the relay waits for from upstream, in order. The client side pushes an entry for each message
// that gets a response the relay must act on; the upstream side consumes them as responses arrive.
// Upstream answers strictly in order (protocol-flow.html#PROTOCOL-FLOW-PIPELINING), so a FIFO suffices.
// After an error in an extended-protocol message the server skips every message up to the next Sync,
// Queries included (postgres.c: ignore_till_sync); `skipToSync` does the same to the entries.
import type { Action, ScopeEntry } from '../../core/index.ts'
import type { PreparedStatement } from './statement-namespace.ts'
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
  /** It may open or close SQL cursors (portals): the portals the relay knows are then forgotten. */
  touchesPortals?: true
  /** Whether running it may change data (its start record is stored before it is forwarded). */
  write?: boolean
  /** Running it may create, replace, rename or drop a relation (kit/schema-changes.ts). */
  changesRelations?: true
  /** Under masking, for a prepared statement that computes on anything: its Action as decided through the
   * views it reads, and the schema-change generation that was in; an Execute in a later one is decided
   * again (a table it filters on may have become a view renaming a masked column). Shared by its portals. */
  traced?: TracedStatement
  /** The seq of its start record, which the record of its outcome completes. */
  seq?: number
  /** The statement carries a secret (secret-statements.ts): its result rows and the server's error message are
   * not recorded either, as they may echo it. */
  secret?: true
  /** What the text reads, from the classification it was decided on; absent when unknown (masking then
   * treats every computed value's origin as unknown). */
  reads?: StatementReads
  /** The scope entries it needs, from the classification it was decided on: recorded with it. */
  needs?: ScopeEntry[]
}

export interface TracedStatement {
  readonly action: Action
  generation: number
}

export type PendingResponse =
  /** A Parse: ParseComplete makes `statement` the server's statement `name`. */
  | { type: 'parse'; name: string; statement: PreparedStatement }
  /** A Bind: BindComplete makes the portal run `statement`. */
  | { type: 'bind'; portal: string; statement: StatementInfo | undefined }
  /** A Close: CloseComplete removes the statement or portal. */
  | { type: 'close'; target: 'S' | 'P'; name: string }
  /** A Describe: answered by RowDescription or NoData (after a ParameterDescription for a statement). */
  | { type: 'describe' }
  /** An Execute: completes at CommandComplete, EmptyQueryResponse, PortalSuspended or ErrorResponse. */
  | {
      type: 'execute'
      portal: string
      statement: StatementInfo | undefined
      startedAt: number
      /** The seq of this execution's start record (the portal's statement is shared by its executions). */
      seq: number | undefined
    }
  /** A simple Query (or FunctionCall): completes at ReadyForQuery; may contain several statements. With
   * `denial`, it is the gateway's failing stand-in for a denied one, whose ErrorResponse is replaced. */
  | {
      type: 'query'
      statement: StatementInfo
      startedAt: number
      rows: number | undefined
      error?: string
      denial?: ErrorFields
      /** SQL PREPAREs in the text: they exist once the query succeeds. */
      prepared?: readonly { name: string; action: Action }[]
      /** SQL DEALLOCATEs in the text (`*` for all). */
      deallocated?: readonly string[]
    }
  /** A denied extended-protocol message: the next ErrorResponse (the gateway's failing Parse) is replaced. */
  | { type: 'denial'; fields: ErrorFields }
  /** A Sync: completes at ReadyForQuery. `parsed`: the statement names its segment's Parses may have set.
   * `duringCopyOf`: sent after that Execute or Query with nothing but Flush and Sync between, so the server
   * ignores it if that one turns out to be a COPY FROM STDIN (it reads only COPY data then). */
  | { type: 'sync'; parsed: readonly string[]; duringCopyOf?: PendingResponse }

/** Array-backed FIFO that does not shift on every pop. */
export class PendingResponses {
  #items: PendingResponse[] = []
  #head = 0
  /** The server is skipping messages until a Sync the client has not sent yet. */
  #skipping = false
  /** Told of every entry the server skipped (never answers). */
  onSkipped: (item: PendingResponse) => void = () => {}

  push(item: PendingResponse): void {
    if (this.#skipping) {
      if (item.type !== 'sync') {
        this.onSkipped(item)
        return
      }
      this.#skipping = false
    }
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
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      // Dropped once the answered part is half the array: dropping it every 1,024 answers copied all the
      // entries still waiting each time, quadratic in a pipeline (a million Syncs took 2.4 s to answer).
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** An extended-protocol message failed: everything up to the next Sync is skipped by the server. */
  skipToSync(): void {
    for (let item = this.peek(); item?.type !== 'sync'; item = this.peek()) {
      if (item === undefined) {
        this.#skipping = true
        return
      }
      this.shift()
      this.onSkipped(item)
    }
  }

  /** A COPY FROM STDIN started for `copying`: the Syncs sent during it will get no ReadyForQuery. */
  dropSyncsDuring(copying: PendingResponse, dropped: (sync: PendingResponse) => void): void {
    const kept = this.#items.filter(
      (item, i) => i < this.#head || item.type !== 'sync' || item.duringCopyOf !== copying,
    )
    if (kept.length === this.#items.length) return
    for (const item of this.#items.slice(this.#head))
      if (item.type === 'sync' && item.duringCopyOf === copying) dropped(item)
    this.#items = kept
  }

  get length(): number {
    return this.#items.length - this.#head
  }
}
