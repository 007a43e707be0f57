// The scope verbs of each resource kind: the verbs its protocol classifies actions into (for PostgreSQL,
// protocols/postgres/classify*.ts; a test there keeps the two in step). A static table in core, not
// registered at run time, so `taskgate config check` (config imports it through core/index.ts) rejects a
// typo such as `selcet:public.*` without loading a protocol, and grant requests are checked against the
// same table.

export const SCOPE_VERBS: Readonly<Record<string, readonly string[]>> = {
  postgres: [
    'select',
    'insert',
    'update',
    'delete',
    'truncate',
    'references',
    'create',
    'alter',
    'drop',
    'execute',
    'grant',
    'role',
    'set',
    'show',
    'transaction',
    'discard',
    'listen',
    'notify',
    'unlisten',
    'vacuum',
    'analyze',
    'declare',
    'fetch',
    'close',
    'deallocate',
  ],
}

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
