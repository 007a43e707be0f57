// What a protocol holds for one live client connection (openSession) and what core calls back on it.
import type { ResourceConfig } from '../../config/schema.ts'
import type { BudgetVerdict, ResultRead } from '../budgets/budget-verdict.ts'
import type { Grant } from '../grants/grant.ts'

/** What the data path knows after a client proved a grant credential. */
export interface GrantContext {
  grant: Grant
  resource: ResourceConfig
}

/** A live client connection under a grant, as protocols register it. */
export interface SessionHandle {
  readonly id: string
  readonly grant: Grant
  readonly resource: ResourceConfig
  readonly protocol: string
  /** Called by core when the grant ends (`ending` 'grant') or an approver ends this one session while the
   * grant goes on ('session'): the protocol closes the connection with a native FATAL/close saying which. */
  close(reason: string, ending?: SessionEnding): void
  /** The engine reports what it relayed from the target to the client — bytes per chunk, rows per result
   * (or per chunk where it reads every row anyway) — for the grant's exfiltration budget. Cheap when no
   * budget applies. A verdict says what the engine does: relay a warning natively, pause reading the
   * upstream until `goOn` settles, or pause while core ends the grant (core closes the session). */
  countResult(read: ResultRead): BudgetVerdict | undefined
}

/** What a session's close ends: its grant (the credential stops working), or only this connection. */
export type SessionEnding = 'grant' | 'session'
