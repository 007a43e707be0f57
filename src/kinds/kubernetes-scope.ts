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
// `pods` (every pod, every namespace), `*@team-a` (everything in team-a), `deployments.apps/web@prod` (one
// deployment of the group apps). Per-command exec entries have a shape of their own:
// `exec:web-*@team-a:ls -la *` (kubernetes-exec-scope.ts).
//
// The API group is part of the resource: `pods` is the core group's, `<resource>.<group>` any other's
// (`pods.metrics.k8s.io`, a CustomResourceDefinition's `pods.evil.example.com`), as `kubectl get` spells them.
// A name written without a group is the core group's, or the group the built-in resource of that name is
// served by (`deployments` is `deployments.apps`: BUILT_IN_GROUPS); a CRD's resource must be written with its
// group, and an unqualified name of no built-in resource names a core resource that does not exist, so it
// matches nothing (fails closed). A `*` in the resource part matches any group (`*@team-a`).

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
  // Already canonical (a grant stored before groups were matched too): its resource qualified the same way.
  if (body.includes(':')) return `${withGroup(body)}@${namespace}`
  const parts = body.split('/')
  const resource = withGroup(parts[0]!)
  let target: string
  if (parts.length === 1) target = `${resource}:*`
  else if (parts.length === 2)
    target = SUBRESOURCES.has(parts[1]!) ? `${resource}/${parts[1]}:*` : `${resource}:${parts[1]}`
  else if (parts.length === 3) target = `${resource}/${parts[2]}:${parts[1]}`
  else return object
  return `${target}@${namespace}`
}

/** `deployments` -> `deployments.apps` (a built-in resource of another group); `pods`, `deployments.apps`,
 * `widgets.example.com`, a glob, and anything after the resource (`/scale:web`) unchanged. */
function withGroup(object: string): string {
  const end = object.search(/[/:]/)
  const resource = end < 0 ? object : object.slice(0, end)
  const group = BUILT_IN_GROUPS.get(resource)
  return group === undefined ? object : `${resource}.${group}${object.slice(resource.length)}`
}

/** Built-in resources served by a group other than the core one, by their unqualified name (Kubernetes 1.20
 * to 1.33). A name the core group also serves (`events`, also events.k8s.io) is the core group's. */
const BUILT_IN_GROUPS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    apps: 'deployments replicasets statefulsets daemonsets controllerrevisions',
    batch: 'jobs cronjobs',
    autoscaling: 'horizontalpodautoscalers',
    policy: 'poddisruptionbudgets podsecuritypolicies',
    'networking.k8s.io': 'ingresses ingressclasses networkpolicies ipaddresses servicecidrs',
    'rbac.authorization.k8s.io': 'roles rolebindings clusterroles clusterrolebindings',
    'storage.k8s.io':
      'storageclasses volumeattachments csidrivers csinodes csistoragecapacities volumeattributesclasses',
    'apiextensions.k8s.io': 'customresourcedefinitions',
    'apiregistration.k8s.io': 'apiservices',
    'admissionregistration.k8s.io':
      'mutatingwebhookconfigurations validatingwebhookconfigurations validatingadmissionpolicies validatingadmissionpolicybindings',
    'certificates.k8s.io': 'certificatesigningrequests',
    'coordination.k8s.io': 'leases',
    'discovery.k8s.io': 'endpointslices',
    'scheduling.k8s.io': 'priorityclasses',
    'node.k8s.io': 'runtimeclasses',
    'flowcontrol.apiserver.k8s.io': 'flowschemas prioritylevelconfigurations',
    'authentication.k8s.io': 'tokenreviews selfsubjectreviews',
    'authorization.k8s.io':
      'subjectaccessreviews selfsubjectaccessreviews localsubjectaccessreviews selfsubjectrulesreviews',
    'resource.k8s.io': 'deviceclasses resourceclaims resourceclaimtemplates resourceslices',
  }).flatMap(([group, names]) => names.split(' ').map((name) => [name, group] as const)),
)
