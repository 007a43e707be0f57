import type { Scope } from '../grants/scope.ts'
import type { LinearRegExp } from '../linear-regexp.ts'
import type { MaskingContext } from '../masking/masking-context.ts'

/** A guardrail as policy sees it: matches on an Action's kind, traits, objects or text. */
export interface Guardrail {
  id: string
  description: string
  action: 'deny' | 'approve'
  /** Any of these traits (e.g. `destructive-ddl`) matches. */
  traits?: string[]
  /** Statement kinds (e.g. `DropStmt`) that match. */
  kinds?: string[]
  /** Scope entries: the guardrail matches when an action needs one of them. */
  needs?: Scope
  /** Last resort: a regular expression on the raw text, case-insensitive, run in linear time. */
  pattern?: LinearRegExp
  /** An extra AND condition on the match above: the action's `estimatedRows` is known and exceeds this. */
  rowsOver?: number
  /** With `rowsOver`: whether an action without an estimate matches (default: it does not). */
  whenUnknown?: 'match' | 'no-match'
  /** Groups the guardrail applies to (all when absent). */
  groups?: string[]
  /** Groups it does not apply to: they have an override of their own. */
  exceptGroups?: string[]
  approverGroups?: string[]
}

/** What every session on a resource kind may do without a grant saying so (registered by the protocol);
 * entries in `except` need an explicit grant even where `allow` covers them. */
export interface ImplicitScope {
  allow: Scope
  except: Scope
  /** Implied only for a grant holding a verb outside `readVerbs` (one that may write anyway), e.g. switching a
   * PostgreSQL transaction to READ WRITE; a read-only grant needs such an entry explicitly. */
  writers?: { readVerbs: string[]; allow: Scope }
}

/** Everything decide() needs besides the action and the grant, loaded once per session. */
export interface Rules {
  resourceId: string
  implicit: ImplicitScope
  guardrails: Guardrail[]
  /** The masking rules in force for a grant's groups on this resource (none when absent). */
  masking?: (groups: readonly string[]) => MaskingContext | undefined
}
