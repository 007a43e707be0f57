// The canonical form of a Kubernetes scope object, `<resource>[/<subresource>]:<name>@<namespace>`, which the
// engine's classifier emits for every request (protocols/kubernetes/classify.ts) and every scope entry a
// person writes is rewritten to (core applies a kind's `canonicalScopeObject` to grant requests, policy
// ceilings and guardrail `needs`). The separators differ on purpose: a scope glob's `*` matches any run of
// characters, `/` included, so `pods:*@team-a` (any pod) must not be able to reach `pods/exec:web@team-a`
// (exec into one), as RBAC keeps `pods` and `pods/exec` apart. Cluster-scoped objects have an empty
// namespace (`namespaces:team-a@`); a non-resource URL is its path (`/version`).
//
// Written forms: `pods@team-a` (every pod in team-a), `deployments/web@prod` (one deployment),
// `pods/exec@team-a` (exec into any pod of team-a), `pods/web/log@team-a` (URL order: one pod's log),
// `pods` (every pod, every namespace), `*@team-a` (everything in team-a), `deployments.apps/web@prod` (the API
// group is dropped: objects name the resource only). Per-command exec entries have a shape of their own:
// `exec:web-*@team-a:ls -la *` (kubernetes-exec-scope.ts).

import { canonicalExecObject, isKubernetesExecObject } from './kubernetes-exec-scope.ts'

/** Subresources a second path part names instead of an object name (`pods/exec`, `deployments/scale`). */
const SUBRESOURCES = new Set([
  'status',
  'scale',
  'log',
  'exec',
  'attach',
  'portforward',
  'proxy',
  'binding',
  'eviction',
  'ephemeralcontainers',
  'token',
  'finalize',
  'approval',
  'rollback',
  'resize',
])

export function kubernetesScopeObject(object: string): string {
  if (object === '*' || object.startsWith('/')) return object
  // `exec:<pod>@<namespace>:<command>` (kubernetes-exec-scope.ts): the command keeps its case and any `@`.
  if (isKubernetesExecObject(object) && object.includes(':')) return canonicalExecObject(object) ?? object
  const at = object.lastIndexOf('@')
  const namespace = at < 0 ? '*' : object.slice(at + 1)
  const body = at < 0 ? object : object.slice(0, at)
  if (body.includes(':')) return `${body}@${namespace}`
  const parts = body.split('/')
  const resource = withoutGroup(parts[0]!)
  let target: string
  if (parts.length === 1) target = `${resource}:*`
  else if (parts.length === 2)
    target = SUBRESOURCES.has(parts[1]!) ? `${resource}/${parts[1]}:*` : `${resource}:${parts[1]}`
  else if (parts.length === 3) target = `${resource}/${parts[2]}:${parts[1]}`
  else return object
  return `${target}@${namespace}`
}

/** `deployments.apps` -> `deployments`; `*` and plain names unchanged. */
const withoutGroup = (resource: string): string => {
  const dot = resource.indexOf('.')
  return dot < 0 ? resource : resource.slice(0, dot)
}
