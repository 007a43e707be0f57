import type { ErrorCode } from '../errors.ts'
import type { ScopeEntry } from '../grants/scope.ts'

/** The answer to an Action. A denial is a value, carrying what an agent needs to act on it. */
export type Decision =
  | { outcome: 'allow' }
  | {
      outcome: 'deny'
      code: DenyCode
      /** The rule that decided, e.g. `scope`, `guardrail:no-drop`, `unclassified`. */
      rule: string
      reason: string
      missingScope?: ScopeEntry[]
      /** The exact command that would request what is missing. */
      requestHint?: string
    }
  | { outcome: 'approve-first'; rule: string; reason: string; approvalId?: string }

export type DenyCode =
  | Extract<
      ErrorCode,
      | 'TG_GRANT_NOT_ACTIVE'
      | 'TG_GRANT_EXPIRED'
      | 'TG_FORBIDDEN'
      | 'TG_STORE_UNAVAILABLE'
      | 'TG_RECORDING_UNAVAILABLE'
      | 'TG_STATEMENT_TOO_LARGE'
    >
  | 'TG_SCOPE_MISSING'
  | 'TG_GUARDRAIL'
  | 'TG_MASKED_COLUMN_COMPUTED'
  | 'TG_UNCLASSIFIED'
  | 'TG_APPROVAL_DENIED'
  | 'TG_APPROVAL_TIMEOUT'

export type Denial = Extract<Decision, { outcome: 'deny' }>

export const ALLOW: Decision = Object.freeze({ outcome: 'allow' })
