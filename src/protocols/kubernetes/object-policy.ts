// Which objects of a response a grant shows (core decides each as the read it is) and whose Secret values it
// shows. A list or watch across every namespace (`kubectl get pods -A`) that the grant does not cover as a
// whole runs filtered when the grant covers some of it; `kubectl get namespaces` shows the namespaces the
// grant names.
import { type Action, type Core, globMatches, objectMatches, type ScopeEntry } from '../../core/index.ts'
import { scopeResource } from './classify.ts'
import type { RequestInfo } from './request-info.ts'
import type { ObjectPolicy } from './rewrite-objects.ts'
import type { KubeLogin } from './serve-request.ts'

/** Whether a denied list/watch may run filtered instead: one across namespaces (or of namespaces), and the
 * grant has an entry with its verb that can match some object of its resource. */
export function filterable(info: RequestInfo, scope: readonly ScopeEntry[]): boolean {
  if (!info.isResourceRequest || info.subresource || info.name) return false
  if (info.verb !== 'list' && info.verb !== 'watch') return false
  const resource = scopeResource(info)
  if (resource === 'namespaces') return true
  if (info.namespace !== '') return false
  return scope.some(
    (e) => (e.verb === info.verb || e.verb === '*') && globMatches(resourcePart(e.object), resource),
  )
}

/** `pods:*@team-a` -> `pods`; `*` -> `*`. */
const resourcePart = (object: string): string => {
  const colon = object.indexOf(':')
  return colon < 0 ? object : object.slice(0, colon)
}

/** `pods:*@team-a` -> `team-a`; no namespace part (`*`, a path) -> undefined. */
const namespacePart = (object: string): string | undefined => {
  const at = object.lastIndexOf('@')
  return at < 0 ? (object === '*' ? '*' : undefined) : object.slice(at + 1)
}

export function objectPolicy(
  core: Core,
  login: KubeLogin,
  info: RequestInfo,
  filtered: boolean,
): ObjectPolicy | undefined {
  const policy: ObjectPolicy = {}
  if (filtered) policy.visible = visibility(core, login, info)
  if (info.resource === 'secrets' && !info.subresource) {
    const scope = login.context.grant.scope
    // Only an entry naming the verb `get` on Secrets shows their values: `*:*` or `list:secrets` do not.
    policy.secretShown = (name, namespace) =>
      scope.some(
        (e) =>
          e.verb === 'get' &&
          e.object.startsWith('secrets:') &&
          objectMatches(e.object, `secrets:${name}@${namespace.toLowerCase()}`),
      )
  }
  return policy.visible || policy.secretShown ? policy : undefined
}

function visibility(core: Core, login: KubeLogin, info: RequestInfo): (name: string, ns: string) => boolean {
  const decides = (object: string): boolean => {
    const action: Action = {
      protocol: 'kubernetes',
      kind: `${info.verb} ${info.resource}`,
      needs: [{ verb: info.verb, object }],
      traits: [],
      text: `${info.verb} ${object}`,
    }
    return core.decide(login.handle, action).outcome === 'allow'
  }
  // Names keep their case (as classify.ts): the API server's names are case-sensitive.
  const resource = scopeResource(info)
  if (resource !== 'namespaces') return (name, ns) => decides(`${resource}:${name}@${ns.toLowerCase()}`)
  const scope = login.context.grant.scope
  return (name) =>
    decides(`namespaces:${name}@${name}`) ||
    scope.some((e) => {
      const ns = namespacePart(e.object)
      return ns !== undefined && ns !== '' && globMatches(ns, name.toLowerCase())
    })
}
