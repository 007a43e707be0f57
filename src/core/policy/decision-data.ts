// A Decision as data an engine carries on the wire beside its human text, so that whoever acts on a denial
// (the MCP tools, an agent's own driver) reads the rule, the code, the missing scope, the request command and
// the approval id as values, never by parsing one engine's English. One marked, compact JSON text: an engine
// puts it in a field of its native error its usual clients pass on without showing it by default (PostgreSQL:
// the ErrorResponse `R` routine field). Decoding is strict and bounded: what is not exactly this shape is not
// a decision (a target's own error is classified by its code, as before).
import { formatScopeEntry } from '../grants/scope.ts'
import type { Decision } from './decision.ts'

export interface DecisionData {
  outcome: 'deny' | 'approve-first'
  /** A TG_* code: the denial's, or TG_APPROVAL_REQUIRED for an action waiting for (or needing) a person. */
  code: string
  rule: string
  reason: string
  /** `verb:object` entries that would allow the action. */
  missingScope?: string[]
  /** The exact command that requests what is missing. */
  requestHint?: string
  /** Set while a person is asked: the approval that decides the held action. */
  approvalId?: string
}

/** Marks the text as decision data (and its version), so a target's own text in the same field is not. */
export const DECISION_DATA_MARKER = 'taskgate-decision/1 '
/** Past this an encoded decision is refused when read; written ones keep well under it (reason cut). */
export const MAX_DECISION_DATA_LENGTH = 16_384
const MAX_REASON_LENGTH = 2_000

/** The data of a decision that is not a plain allow. */
export function decisionData(decision: Exclude<Decision, { outcome: 'allow' }>): DecisionData {
  const reason = decision.reason.slice(0, MAX_REASON_LENGTH)
  if (decision.outcome === 'approve-first')
    return {
      outcome: 'approve-first',
      code: 'TG_APPROVAL_REQUIRED',
      rule: decision.rule,
      reason,
      ...(decision.approvalId ? { approvalId: decision.approvalId } : {}),
    }
  return {
    outcome: 'deny',
    code: decision.code,
    rule: decision.rule,
    reason,
    ...(decision.missingScope?.length ? { missingScope: decision.missingScope.map(formatScopeEntry) } : {}),
    ...(decision.requestHint ? { requestHint: decision.requestHint } : {}),
  }
}

export function encodeDecisionData(decision: Exclude<Decision, { outcome: 'allow' }>): string {
  return DECISION_DATA_MARKER + JSON.stringify(decisionData(decision))
}

/** The decision a field carries, or undefined when it carries none (absent, foreign, malformed, too long). */
export function decodeDecisionData(text: unknown): DecisionData | undefined {
  if (typeof text !== 'string' || !text.startsWith(DECISION_DATA_MARKER)) return undefined
  if (text.length > MAX_DECISION_DATA_LENGTH) return undefined
  let value: unknown
  try {
    value = JSON.parse(text.slice(DECISION_DATA_MARKER.length))
  } catch {
    return undefined
  }
  return isDecisionData(value) ? pick(value) : undefined
}

function isDecisionData(v: unknown): v is DecisionData {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const d = v as Record<string, unknown>
  return (
    (d.outcome === 'deny' || d.outcome === 'approve-first') &&
    typeof d.code === 'string' &&
    /^TG_[A-Z_]+$/.test(d.code) &&
    typeof d.rule === 'string' &&
    typeof d.reason === 'string' &&
    optional(d.missingScope, (s) => Array.isArray(s) && s.every((e) => typeof e === 'string')) &&
    optional(d.requestHint, (s) => typeof s === 'string') &&
    optional(d.approvalId, (s) => typeof s === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(s))
  )
}

const optional = (v: unknown, ok: (v: unknown) => boolean): boolean => v === undefined || ok(v)

/** Only the known fields: whatever else a newer writer adds is not passed on unread. */
function pick(d: DecisionData): DecisionData {
  return {
    outcome: d.outcome,
    code: d.code,
    rule: d.rule,
    reason: d.reason,
    ...(d.missingScope ? { missingScope: d.missingScope } : {}),
    ...(d.requestHint ? { requestHint: d.requestHint } : {}),
    ...(d.approvalId ? { approvalId: d.approvalId } : {}),
  }
}
