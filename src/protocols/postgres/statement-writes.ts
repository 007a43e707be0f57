import type { Action } from '../../core/index.ts'

/**
 * Whether running a statement may change data, so its start record must be stored before it is forwarded
 * (recording.onFailure: block). The classifier's `read-only` trait misses what a user function does when it
 * runs: a call of one outside pg_catalog counts as a write (pg_catalog's writers, like nextval, are not
 * `read-only` already).
 */
export function statementWrites(action: Action): boolean {
  if (!action.traits.includes('read-only')) return true
  return action.needs.some((n) => n.verb === 'execute' && !n.object.startsWith('pg_catalog.'))
}
