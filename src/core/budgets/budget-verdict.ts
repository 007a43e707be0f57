// What an engine reports of a result it relays, and what the grant's budget tells it to do (grant-budgets.ts).

/** What an engine read from the target for the client: rows of a finished result (or of a chunk) and bytes
 * of a relayed chunk. */
export interface ResultRead {
  rows?: number
  bytes?: number
}

/** What the engine does after reporting a read: relay a warning, pause until `goOn` settles (true: resume;
 * false: the grant is being ended), or pause because the grant is being ended. */
export type BudgetVerdict =
  | { action: 'warn'; message: string }
  | { action: 'hold'; message: string; approvalId: Promise<string>; goOn: Promise<boolean> }
  | { action: 'end'; message: string }
