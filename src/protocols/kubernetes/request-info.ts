// What a request asks the API server for, exactly as the API server itself reads it before authorizing
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, RequestInfoFactory.NewRequestInfo, 1.20-1.32): the
// gateway decides on the same (verb, group, resource, subresource, namespace, name) RBAC would, so no path
// shape reads as one thing here and another there. Pure; the path is the raw request path, as the server
// splits it (no percent-decoding: the server's mux rejects or routes encoded paths itself, and an encoded
// segment here is refused by classify.ts).

export interface RequestInfo {
  isResourceRequest: boolean
  /** The raw path (non-resource requests are decided on it). */
  path: string
  /** RBAC verb: get, list, watch, create, update, patch, delete, deletecollection, proxy; for a
   * non-resource request the lower-case HTTP method. */
  verb: string
  apiPrefix: string
  apiGroup: string
  apiVersion: string
  namespace: string
  resource: string
  subresource: string
  name: string
  /** The path parts from the resource on (`pods/web/log`), as the server keeps them. */
  parts: string[]
}

/** Why the server itself would answer 500 for the path ("unable to determine kind and namespace from url"). */
export class RequestInfoError extends Error {}

const API_PREFIXES = new Set(['api', 'apis'])
const GROUPLESS_API_PREFIXES = new Set(['api'])
const SPECIAL_VERBS = new Set(['proxy', 'watch'])
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy'])
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize'])

const METHOD_VERBS: Readonly<Record<string, string>> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
}

/** The server's splitPath: trims leading and trailing slashes, then splits; `/` is no parts. */
function splitPath(path: string): string[] {
  let start = 0
  let end = path.length
  while (start < end && path[start] === '/') start++
  while (end > start && path[end - 1] === '/') end--
  return start === end ? [] : path.slice(start, end).split('/')
}

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  }
  let parts = splitPath(path)
  if (parts.length < 3 || !API_PREFIXES.has(parts[0]!)) return info
  info.apiPrefix = parts[0]!
  parts = parts.slice(1)
  if (!GROUPLESS_API_PREFIXES.has(info.apiPrefix)) {
    if (parts.length < 3) return info
    info.apiGroup = parts[0]!
    parts = parts.slice(1)
  }
  info.isResourceRequest = true
  info.apiVersion = parts[0]!
  parts = parts.slice(1)
  if (SPECIAL_VERBS.has(parts[0]!)) {
    if (parts.length < 2) throw new RequestInfoError('unable to determine kind and namespace from url')
    info.verb = parts[0]!
    parts = parts.slice(1)
  } else {
    info.verb = METHOD_VERBS[method.toUpperCase()] ?? ''
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1]!
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2)
    }
  }
  info.parts = parts
  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(info.verb)) info.subresource = parts[2]!
  if (parts.length >= 2) info.name = parts[1]!
  if (parts.length >= 1) info.resource = parts[0]!
  if (info.name === '' && info.verb === 'get') listOrWatch(info, query)
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection'
  return info
}

/** A GET without a name is a list or a watch; a field selector `metadata.name=x` names the object (so RBAC
 * resourceNames apply to `kubectl get pod x --watch`). */
function listOrWatch(info: RequestInfo, query: URLSearchParams): void {
  info.verb = queryBool(query.getAll('watch')) ? 'watch' : 'list'
  const selector = query.get('fieldSelector')
  if (selector === null) return
  const name = exactNameMatch(selector)
  if (name !== undefined && isValidPathSegmentName(name)) info.name = name
}

/** The server's Convert_Slice_string_To_bool: the first value, true unless `0` or `false` (any case). */
export function queryBool(values: string[]): boolean {
  const first = values[0]
  if (first === undefined) return false
  return !(first === '0' || first.toLowerCase() === 'false')
}

/** The value a field selector requires `metadata.name` to equal (fields.Selector.RequiresExactMatch), or
 * undefined. Terms are split on unescaped commas; a selector with a backslash is read conservatively as
 * naming nothing (the request is then decided as a list of every object, the wider need). */
function exactNameMatch(selector: string): string | undefined {
  if (selector.includes('\\')) return undefined
  for (const term of selector.split(',')) {
    const m = /^metadata\.name(==|=)(.*)$/.exec(term.trim())
    if (m && !m[2]!.includes('=') && !m[2]!.includes('!')) return m[2]!
  }
  return undefined
}

/** apimachinery path.IsValidPathSegmentName: not `.` or `..`, no `/` or `%`. */
function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%')
}
