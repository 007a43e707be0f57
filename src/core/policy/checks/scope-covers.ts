import type { Grant } from '../../grants/grant.ts'
import {
  formatScope,
  formatScopeEntry,
  type Scope,
  type ScopeEntry,
  scopeCovers,
} from '../../grants/scope.ts'
import type { Action } from '../action.ts'
import type { Decision } from '../decision.ts'
import type { Rules } from '../rules.ts'

/** An implicit scope is an allow-list of thousands of exact entries (PostgreSQL's catalog functions): looked
 * up in a set, with only its patterns matched one by one. Built once per registered scope. */
interface IndexedScope {
  exact: ReadonlySet<string>
  patterns: Scope
}
const indexes = new WeakMap<Scope, IndexedScope>()

function indexed(scope: Scope): IndexedScope {
  let index = indexes.get(scope)
  if (!index) {
    const exact = new Set<string>()
    const patterns: Scope = []
    for (const e of scope) {
      if (e.verb === '*' || e.object.includes('*')) patterns.push(e)
      else exact.add(formatScopeEntry(e))
    }
    index = { exact, patterns }
    indexes.set(scope, index)
  }
  return index
}

function implicitlyCovers(scope: Scope, entry: ScopeEntry): boolean {
  const { exact, patterns } = indexed(scope)
  return exact.has(formatScopeEntry(entry)) || scopeCovers(patterns, entry)
}

function allowedByGrantOrImplicit(entry: ScopeEntry, grant: Grant, rules: Rules): boolean {
  if (scopeCovers(grant.scope, entry)) return true
  const { allow, except, writers } = rules.implicit
  if (implicitlyCovers(allow, entry) && !scopeCovers(except, entry)) return true
  return (
    writers !== undefined &&
    scopeCovers(writers.allow, entry) &&
    grant.scope.some((granted) => !writers.readVerbs.includes(granted.verb))
  )
}

/** Denies when the action needs anything the grant (plus the resource kind's implicit scope) does not give. */
export function scopeCoversAction(action: Action, grant: Grant, rules: Rules): Decision | undefined {
  const missing = action.needs.filter((entry) => !allowedByGrantOrImplicit(entry, grant, rules))
  if (missing.length === 0) return undefined
  const wanted = formatScope(missing)
  return {
    outcome: 'deny',
    code: 'TG_SCOPE_MISSING',
    rule: 'scope',
    reason: `taskgate: grant ${grant.id} does not allow ${wanted}`,
    missingScope: missing,
    // A new grant replaces this one for the next session, so the hint asks for what the task already had too.
    // The task is a placeholder: the new request states its own task (reusing the old one invites an
    // approver to approve a wider scope under a reason written for the narrower one).
    requestHint: `taskgate grant request ${grant.resourceId} --scope ${shellWord(formatScope([...grant.scope, ...missing]))} --task ${TASK_PLACEHOLDER}`,
  }
}

/** The scope as one shell word a person can paste: double-quoted as before when nothing in it expands there;
 * single-quoted when it holds quotes, `$`, backquotes or backslashes (an SSH command entry can hold any of
 * them, and a pasted hint must never run a substitution the client wrote). */
function shellWord(text: string): string {
  if (/^[^"'$`\\!]*$/.test(text)) return `"${text}"`
  return `'${text.replaceAll("'", `'\\''`)}'`
}

const TASK_PLACEHOLDER = "'<what you need it for>'"
