// The scope verbs of each resource kind, from the kind registry (src/kinds/): data, not registered at run
// time, so `taskgate config check` rejects a typo such as `selcet:public.*` without loading a protocol, and
// grant requests are checked against the same table.
import { RESOURCE_KINDS } from '../../kinds/index.ts'
import type { Scope } from './scope.ts'

export const SCOPE_VERBS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...RESOURCE_KINDS.values()].map((kind) => [kind.name, kind.scopeVerbs]),
)

/**
 * Why `verb` is not a scope verb of any of `kinds` (a message listing the valid verbs), or undefined when
 * it is one of at least one of them; `*` is every kind's.
 */
export function unknownVerbProblem(verb: string, kinds: readonly string[]): string | undefined {
  if (verb === '*') return undefined
  const known = kinds.filter((kind) => SCOPE_VERBS[kind])
  if (known.length === 0 || known.some((kind) => SCOPE_VERBS[kind]!.includes(verb))) return undefined
  const valid = [...new Set(known.flatMap((kind) => SCOPE_VERBS[kind]!))]
  return `unknown verb "${verb}" for ${known.join('/')} resources; valid verbs: *, ${valid.join(', ')}`
}

/** `scope` with each object in the canonical form of `kind` (kinds' `canonicalScopeObject`); unchanged for a
 * kind without one. */
export function canonicalScope(kind: string, scope: Scope): Scope {
  const canonical = RESOURCE_KINDS.get(kind)?.canonicalScopeObject
  return canonical ? scope.map((e) => ({ verb: e.verb, object: canonical(e.object) })) : scope
}
