import type { ScopeEntry } from '../grants/scope.ts'

/** One client connection under a grant. */
export interface SessionRecord {
  id: string
  grantId: string
  principalId: string
  principalName: string
  resourceId: string
  protocol: string
  client: string
  startedAt: Date
  endedAt?: Date
  endReason?: string
  /** The gateway process serving it (its registry id), so a process's death can end it. */
  processId?: string
}

/** A session as listed: with its grant's task and how many actions it recorded, and how many were denied. */
export interface SessionSummary extends SessionRecord {
  task: string
  actionCount: number
  deniedCount: number
}

/** One action in a session with its decision and outcome. Text is stored as the client sent it, values
 * in results as masked. An allowed statement is recorded when it starts (no `durationMs` yet) and the same
 * record (same seq) is completed when it finishes: one without `durationMs` never finished (the session
 * ended, the grant was revoked, the gateway stopped while it ran). */
export interface ActionRecord {
  sessionId: string
  seq: number
  at: Date
  kind: string
  text: string
  outcome: 'allow' | 'deny' | 'approve-first'
  /** The scope entries the action needed as the protocol classified it (Action.needs), implicit ones
   * included; what least-privilege advice compares a grant's scope with. Absent on records from before it
   * was recorded and on actions nothing classified. */
  needs?: ScopeEntry[]
  rule?: string
  reason?: string
  rowCount?: number
  durationMs?: number
  error?: string
  /** Optional result summary (masked): column names and a few rows, for replay. */
  result?: { columns: string[]; rows: unknown[][]; truncated: boolean }
  /** Masking counters: `column/detector` -> number of values masked. */
  masked?: Record<string, number>
  /** For a statement that ran after a human approved it: that approval and who gave it. */
  approvalId?: string
  approvedBy?: string
  approvedByName?: string
  /** Set by the recorder on a record stored once and never again: no record of its seq was stored before it
   * (its start was completed while still queued, or it had none) and none follows. A store may keep such
   * records in a cheaper shape (the embedded store packs one session's final records of a batch into one
   * row); a record without it may be completed later and is upserted. Never set on records read back. */
  final?: true
}
