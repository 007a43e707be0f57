import type { Decision } from '../policy/decision.ts'

/** A statement waiting for a human; `wait` resolves allow (once) or deny (denied, timed out, cancelled). */
export interface HeldAction {
  approvalId: string
  expiresAt: Date
  /** Aborting (client gone) expires the approval. */
  wait(signal?: AbortSignal): Promise<Decision>
}
