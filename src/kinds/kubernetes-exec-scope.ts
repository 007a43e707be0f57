// Per-command exec scopes for Kubernetes: `exec:<pod>@<namespace>:<command>`, e.g. `exec:web-*@team-a:ls -la *`
// (any pod named web-… in team-a, `ls -la` with any arguments) or `exec:web@team-a:*` (one pod, any command).
// The command is a pattern of the SSH command language (ssh-command-pattern.ts: words, `*` within a word or as
// the last word for any further arguments), matched token by token against the exec's argv in the same
// canonical form (protocols/ssh/command classifyArgv), never as one string. Pod and namespace are globs.
// `create:pods/exec@team-a` still allows any command (as RBAC's `create` on pods/exec does): the engine asks
// for the per-command entry only when the grant has no `create` entry covering the exec
// (protocols/kubernetes/serve-request.ts).
//
// Core matches objects by verb whatever the kind, and SSH already owns the `exec` verb (`exec:<login>:<command>`);
// the two shapes never meet: a login holds no `@`, a Kubernetes exec object always holds one before its first
// `:`. withKubernetesExec puts both behind the one `exec` matcher.
import type { ScopeObjectMatcher } from './resource-kind.ts'
import { commandCovers, tokenizeCommand, WILDCARD, wordCovers } from './ssh-command-pattern.ts'

/** A pod or namespace name or glob (DNS-1123 characters and `*`). */
const NAME = /^[a-z0-9*]([a-z0-9.*-]{0,251}[a-z0-9*])?$/

interface ExecObject {
  pod: string
  namespace: string
  command: string
}

/** `<pod>@<namespace>:<command>`, or undefined when the object does not have that shape. */
function readExecObject(object: string): ExecObject | undefined {
  const at = object.indexOf('@')
  const colon = object.indexOf(':')
  if (at < 0 || colon < 0 || at > colon) return undefined
  return {
    pod: object.slice(0, at),
    namespace: object.slice(at + 1, colon),
    command: object.slice(colon + 1),
  }
}

/** Whether an object is of the Kubernetes exec shape (a `@` before the first `:`). */
export const isKubernetesExecObject = (object: string): boolean => {
  const at = object.indexOf('@')
  const colon = object.indexOf(':')
  return at >= 0 && (colon < 0 || at < colon)
}

/** The canonical form of an exec object: pod and namespace lower-cased, the command kept as written. */
export function canonicalExecObject(object: string): string | undefined {
  const read = readExecObject(object)
  return read && `${read.pod.toLowerCase()}@${read.namespace.toLowerCase()}:${read.command}`
}

const glob = (pattern: string, name: string): boolean =>
  wordCovers(pattern.replaceAll('*', WILDCARD), name.replaceAll('*', WILDCARD))

function commandPatternCovers(pattern: string, command: string): boolean {
  if (pattern.trim() === '*') return true
  if (command.trim() === '*') return false
  const outer = tokenizeCommand(pattern)
  const inner = tokenizeCommand(command)
  return 'tokens' in outer && 'tokens' in inner && commandCovers(outer.tokens, inner.tokens)
}

/** A resource-form pattern (`*:*@team-a`, `pods/exec:web*@team-a`, e.g. a policy ceiling) covers every command
 * of the execs whose `pods/exec` object it covers. */
function resourcePatternCovers(pattern: string, exec: ExecObject): boolean {
  const at = pattern.lastIndexOf('@')
  const colon = pattern.indexOf(':')
  if (at < 0 || colon < 0 || colon > at) return false
  const resource = pattern.slice(0, colon)
  return (
    glob(resource, 'pods/exec') &&
    glob(pattern.slice(colon + 1, at), exec.pod) &&
    glob(pattern.slice(at + 1), exec.namespace)
  )
}

const KUBERNETES_EXEC: ScopeObjectMatcher = {
  caseSensitive: true,
  problem(object) {
    const read = readExecObject(object)
    if (!read)
      return 'write a Kubernetes exec scope as exec:<pod>@<namespace>:<command>, e.g. exec:web-*@team-a:ls -la * (`*` for any command)'
    if (!NAME.test(read.pod)) return `"${read.pod}" is not a pod name (or a pattern of them)`
    if (!NAME.test(read.namespace)) return `"${read.namespace}" is not a namespace (or a pattern of them)`
    if (read.command.trim() === '*') return undefined
    const tokens = tokenizeCommand(read.command)
    return 'problem' in tokens ? `command pattern "${read.command}": ${tokens.problem}` : undefined
  },
  covers(pattern, object) {
    const exec = readExecObject(object)
    if (!exec) return false
    const outer = readExecObject(pattern)
    if (!outer) return resourcePatternCovers(pattern, exec)
    return (
      glob(outer.pod, exec.pod) &&
      glob(outer.namespace, exec.namespace) &&
      commandPatternCovers(outer.command, exec.command)
    )
  },
}

/** The `exec` matcher for both kinds that use the verb: Kubernetes exec objects by their own rules, the rest
 * (SSH logins and commands) by SSH's. */
export function withKubernetesExec(ssh: ScopeObjectMatcher): ScopeObjectMatcher {
  return {
    caseSensitive: true,
    problem: (object) =>
      isKubernetesExecObject(object) || CANONICAL_RESOURCE_FORM.test(object)
        ? KUBERNETES_EXEC.problem(object)
        : ssh.problem(object),
    covers: (pattern, object) =>
      isKubernetesExecObject(object) ? KUBERNETES_EXEC.covers(pattern, object) : ssh.covers(pattern, object),
  }
}

/** What the Kubernetes kind rewrites a written `exec:web@team-a` (no command) to: refused with the exec form
 * as the fix. */
const CANONICAL_RESOURCE_FORM = /^[a-z0-9.*-]+:\*@[a-z0-9.*-]*$/
