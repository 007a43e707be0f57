// One API request -> one core Action: the API server's own reading of the request (request-info.ts) turned
// into a scope entry `verb:<resource>[/<subresource>]:<name>@<namespace>` (kinds/kubernetes-scope.ts), with
// the traits the kind's guardrails match on. The path is percent-decoded as Go's net/url does before the
// server reads it (so `/api/v1/namespaces/a/%70ods` is pods here as there); a path that does not decode, or
// holds an empty, `.` or `..` segment the server's routing could read differently, is unclassified (denied).
import type { Action, ScopeEntry } from '../../core/index.ts'
import { withExecCommand } from './exec-command.ts'
import { type RequestInfo, RequestInfoError, requestInfo } from './request-info.ts'

export interface KubernetesRequest {
  info: RequestInfo
  action: Action
  /** An exec's per-command need (`exec:<pod>@<namespace>:<command>`), the alternative to its `create`. */
  commandNeed?: ScopeEntry
}

/** Longest request target recorded (a request line can be megabytes of query). */
const MAX_TEXT = 2048
/** Subresources that open a stream into a container: `create` whatever the method (kubectl sends exec as a
 * WebSocket GET since 1.30; the API server authorizes it as create too). */
export const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward'])

export function classifyRequest(method: string, url: string): KubernetesRequest {
  const q = url.indexOf('?')
  const rawPath = q < 0 ? url : url.slice(0, q)
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1))
  const text = `${method} ${url.length > MAX_TEXT ? `${url.slice(0, MAX_TEXT)}…` : url}`
  const path = decodePath(rawPath)
  if (path === undefined) return unclassified(method, rawPath, text, 'the path is not a plain API path')
  if (q >= 0 && !plainQuery(url.slice(q + 1)))
    return unclassified(
      method,
      path,
      text,
      'the query holds `;` or a broken escape, which the API server reads differently',
    )
  let info: RequestInfo
  try {
    info = requestInfo(method, path, query)
  } catch (error) {
    if (error instanceof RequestInfoError) return unclassified(method, path, text, error.message)
    throw error
  }
  if (!info.isResourceRequest) {
    return {
      info,
      action: {
        protocol: 'kubernetes',
        kind: `${info.verb} non-resource`,
        needs: [{ verb: info.verb, object: path.toLowerCase() }],
        traits: [],
        text,
      },
    }
  }
  if (STREAM_SUBRESOURCES.has(info.subresource) && info.resource === 'pods') info.verb = 'create'
  if (info.verb === '' || info.resource === '')
    return unclassified(method, path, text, `${method} on ${path} is no API verb`)
  const resource = info.subresource ? `${scopeResource(info)}/${info.subresource}` : scopeResource(info)
  // The name keeps its case: the API server's names are case-sensitive (ClusterRole `Admin` is not `admin`),
  // so a grant on one must not cover the other. Resources and namespaces are lower case by the server's rules.
  const object = `${resource.toLowerCase()}:${info.name || '*'}@${info.namespace.toLowerCase()}`
  const action: Action = {
    protocol: 'kubernetes',
    kind: `${info.verb} ${resource}`,
    needs: [{ verb: info.verb, object }],
    traits: traitsOf(info),
    text,
  }
  if (info.subresource !== 'exec' || scopeResource(info) !== 'pods') return { info, action }
  return { info, ...withExecCommand(action, info, query) }
}

/** The resource as scope objects name it, with its API group unless core: `pods`, `deployments.apps`,
 * `pods.metrics.k8s.io` (kinds/kubernetes-scope.ts), lower case. */
export const scopeResource = (info: RequestInfo): string =>
  (info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource).toLowerCase()

function traitsOf(info: RequestInfo): string[] {
  const traits: string[] = []
  const deleting = info.verb === 'delete' || info.verb === 'deletecollection'
  if (deleting && info.subresource === '') {
    if (info.resource === 'namespaces') traits.push('delete-namespace')
    if (info.resource === 'customresourcedefinitions') traits.push('delete-crd')
    if (info.resource === 'persistentvolumes') traits.push('delete-pv')
  }
  if (STREAM_SUBRESOURCES.has(info.subresource)) {
    traits.push('container-stream')
    if (info.namespace === 'kube-system') traits.push('exec-kube-system')
  }
  if (info.resource === 'secrets' && ['get', 'list', 'watch'].includes(info.verb)) traits.push('secret-read')
  return traits
}

/** Go's url.PathUnescape of the request path, refusing what it would refuse and what routing could read
 * differently from RequestInfo (empty, `.` and `..` segments inside the path). */
function decodePath(raw: string): string | undefined {
  if (!raw.startsWith('/')) return undefined
  let path: string
  try {
    path = decodeURIComponent(raw)
  } catch {
    return undefined
  }
  const segments = path.slice(1).split('/')
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!
    if (s === '.' || s === '..' || (s === '' && i < segments.length - 1)) return undefined
  }
  return path
}

/** Whether Go's url.ParseQuery (the API server) reads the query as URLSearchParams does: it drops a pair
 * holding `;` or a broken escape that URLSearchParams keeps (`?watch=1;` is a watch here, a list there). */
function plainQuery(query: string): boolean {
  if (query.includes(';')) return false
  for (let i = query.indexOf('%'); i !== -1; i = query.indexOf('%', i + 1)) {
    if (!/^[0-9A-Fa-f]{2}$/.test(query.slice(i + 1, i + 3))) return false
  }
  return true
}

function unclassified(method: string, path: string, text: string, why: string): KubernetesRequest {
  const info = requestInfo('GET', '/', new URLSearchParams())
  return {
    info: { ...info, verb: method.toLowerCase(), path },
    action: {
      protocol: 'kubernetes',
      kind: 'unclassified',
      needs: [],
      traits: [],
      text,
      unclassified: why,
    },
  }
}
