import type { AuditPruneResult } from './prune-audit.ts'

/** What one retention run removed. */
export interface RetentionResult {
  audit: AuditPruneResult
  /** Sessions whose recordings were removed. */
  recordings: { sessions: number }
}
