// A grant requested from a plan: the statements an agent said it would run, classified by the resource
// kind's own classifier (registered by the protocol: core reads no wire format). The grant's scope is the
// least that covers them; the plan is shown to the approver, and statements run later that are not in it
// are flagged on the grant.
import type { ResourceConfig } from '../../config/schema.ts'
import { TaskgateError } from '../errors.ts'
import type { ImplicitScope } from '../policy/rules.ts'
import { formatScopeEntry, type Scope, type ScopeEntry, scopeCovers } from './scope.ts'

/** One statement of a plan as its protocol classified it. */
export interface PlannedStatement {
  /** As recorded: secrets redacted. */
  text: string
  needs: ScopeEntry[]
  /** What makes two statements "the same statement" to the protocol (PostgreSQL: its fingerprint, which
   * ignores literal values), compared with what the session runs. */
  shape: string
  /** Set when the protocol could not classify it: a plan must classify whole. */
  unclassified?: string
}

/** How a resource kind splits and classifies a plan text (or a recorded action's text). Throws a
 * TaskgateError TG_REQUEST_INVALID when the text does not parse. */
/** `resource`: what a statement means can depend on it (MySQL: its database for unqualified names). */
export type PlanStatements = (text: string, resource: ResourceConfig) => PlannedStatement[]

/** What a grant stores of its plan. */
export interface GrantPlan {
  statements: Array<{ text: string; shape: string }>
}

const MAX_PLAN_CHARS = 256 * 1024
const MAX_PLAN_STATEMENTS = 1000

/** The plan and the least scope covering it (what every session may do without asking left out). */
export function scopeFromPlan(
  text: string,
  planStatements: PlanStatements | undefined,
  implicit: ImplicitScope | undefined,
  resource: ResourceConfig,
): { plan: GrantPlan; scope: Scope } {
  if (!planStatements)
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: `Resources of kind ${resource.kind} cannot take a plan; request a --scope instead.`,
    })
  if (text.length > MAX_PLAN_CHARS)
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: `The plan is ${text.length} characters long; at most ${MAX_PLAN_CHARS} are accepted.`,
    })
  const statements = planStatements(text, resource)
  if (statements.length === 0)
    throw new TaskgateError('TG_REQUEST_INVALID', { message: 'The plan holds no statement.' })
  if (statements.length > MAX_PLAN_STATEMENTS)
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: `The plan holds ${statements.length} statements; at most ${MAX_PLAN_STATEMENTS} are accepted.`,
    })
  const refused = statements.find((s) => s.unclassified !== undefined)
  if (refused)
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: `The plan statement "${refused.text.slice(0, 80)}" cannot be classified (${refused.unclassified}); it would be denied, so it cannot be planned.`,
    })
  // The implicit allow-list holds thousands of exact entries: looked up in a set, its patterns matched.
  const exact = new Set(implicit?.allow.map(formatScopeEntry))
  const patterns = implicit?.allow.filter((e) => e.verb === '*' || e.object.includes('*')) ?? []
  const implied = (need: ScopeEntry) =>
    implicit !== undefined &&
    (exact.has(formatScopeEntry(need)) || scopeCovers(patterns, need)) &&
    !scopeCovers(implicit.except, need)
  const scope: Scope = []
  for (const need of statements.flatMap((s) => s.needs)) {
    if (scopeCovers(scope, need) || implied(need)) continue
    scope.push(need)
  }
  if (scope.length === 0)
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: 'The plan needs nothing beyond what every session may do without a grant.',
    })
  return { plan: { statements: statements.map((s) => ({ text: s.text, shape: s.shape })) }, scope }
}

/** A recorded statement of a grant's sessions that is not in its plan. */
export interface OffPlanStatement {
  sessionId: string
  seq: number
  text: string
  outcome: string
}

/** Flagged statements kept per grant (the count goes on). */
const MAX_OFF_PLAN_LISTED = 50

/** The recorded actions whose statements are not all in the plan (by shape); a text the protocol cannot
 * split any more counts as off the plan. */
export function offPlanStatements(
  plan: GrantPlan,
  actions: ReadonlyArray<{ sessionId: string; seq: number; text: string; outcome: string }>,
  planStatements: PlanStatements,
  resource: ResourceConfig,
): { count: number; statements: OffPlanStatement[] } {
  const planned = new Set(plan.statements.map((s) => s.shape))
  const statements: OffPlanStatement[] = []
  let count = 0
  for (const action of actions) {
    if (!action.text.trim()) continue
    let shapes: string[]
    try {
      shapes = planStatements(action.text, resource).map((s) => s.shape)
    } catch {
      shapes = ['']
    }
    if (shapes.every((shape) => planned.has(shape))) continue
    count++
    if (statements.length < MAX_OFF_PLAN_LISTED)
      statements.push({
        sessionId: action.sessionId,
        seq: action.seq,
        text: action.text.slice(0, 200),
        outcome: action.outcome,
      })
  }
  return { count, statements }
}
