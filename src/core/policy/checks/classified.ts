import type { Action } from '../action.ts'
import type { Decision } from '../decision.ts'

/** Fail closed: what the protocol could not classify is never forwarded. */
export function classified(action: Action): Decision | undefined {
  if (action.unclassified === undefined) return undefined
  return {
    outcome: 'deny',
    code: 'TG_UNCLASSIFIED',
    rule: 'unclassified',
    reason: `taskgate could not classify this statement (${action.unclassified}) and denies it; rewrite it in a simpler form.`,
  }
}
