// An HTTP request as core's Action: the method is the verb and the normalised path the object
// (`GET:/v1/invoices/*` covers `GET /v1/invoices/42`, not `/v1/invoices/42/refund`: path globs match by
// segment, `**` for any depth; core's pathGlobMatches), HEAD needs `get`. Guardrails match on the rest
// through traits: `query:<name>` and `query:<name>=<value>` for each query parameter, `body:$.a.b` and
// `body:$.a.b=<value>` for each field of an inspected JSON body (scalars up to 200 characters),
// `body-uninspected` when a body rule is in force and the body could not be read, `websocket` for an
// upgrade. The text (what `pattern` rules read) is the request line, then the body when it was inspected;
// the recorded text never holds a query value named like a secret, nor a credential the secret detectors find.
import { type Action, maskSecrets } from '../../core/index.ts'

export const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

const MAX_TRAITS = 512
const TOO_DEEP = 'body-too-deep'
const MAX_TRAIT_VALUE = 200
/** Longest body key path made a trait; a longer one is not looked at, as a field past the depth bound. Each
 * trait of a path held its own copy (the case-folded one): 512 traits under one 512 KiB key held 99 MB, for
 * as long as the request was decided (an approval may take minutes). */
const MAX_TRAIT_PATH = 1024
const SECRET_NAME =
  /token|secret|pass|pwd|jwt|credential|bearer|assertion|cookie|key|signature|sig$|auth|session|code/i

export interface HttpRequestFacts {
  method: string
  path: string
  query: string
  /** The JSON body read for inspection; `uninspected` when a rule needed it and it could not be read. */
  body?: { json: unknown; text: string } | 'uninspected'
  upgrade?: string
  /** A method-override header's value (X-HTTP-Method-Override and kin), when the client sent one. */
  methodOverride?: string
  /** `_method` values a POST body carries (bodies.ts bodyMethodOverrides). */
  bodyMethods?: readonly string[]
}

/** Headers frameworks (Rails, Express's method-override, Google APIs, Symfony) read as the real method. */
export const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override']

export function classifyRequest(facts: HttpRequestFacts, protocol = 'http'): Action {
  const line = facts.query ? `${facts.method} ${facts.path}?${facts.query}` : `${facts.method} ${facts.path}`
  const base = { protocol, kind: facts.method, text: line }
  if (!HTTP_METHODS.has(facts.method))
    return { ...base, needs: [], traits: [], unclassified: `the method ${facts.method} is not forwarded` }
  // Only a WebSocket's frames are read (recorded, masked, counted): another protocol's bytes would pass unseen.
  if (facts.upgrade !== undefined && facts.upgrade.trim().toLowerCase() !== 'websocket')
    return {
      ...base,
      needs: [],
      traits: [],
      unclassified: `the upgrade to ${facts.upgrade.slice(0, 40)} is not relayed (only WebSocket)`,
    }
  const verb = facts.method === 'HEAD' ? 'get' : facts.method.toLowerCase()
  const traits: string[] = []
  const needs = [{ verb, object: facts.path }]
  // The upstream may do what an override (header, or `_method` in the query or a POST body) says rather than the method
  // on the request line: the action needs both, so a POST grant cannot DELETE through one.
  const overrides = [facts.methodOverride, ...queryMethodOverrides(facts.query), ...(facts.bodyMethods ?? [])]
  for (const override of overrides) {
    if (override === undefined) continue
    const method = override.trim().toUpperCase()
    if (!HTTP_METHODS.has(method))
      return {
        ...base,
        needs: [],
        traits: [],
        unclassified: `the method override ${method.slice(0, 20)} is not forwarded`,
      }
    traits.push('method-override')
    needs.push({ verb: method === 'HEAD' ? 'get' : method.toLowerCase(), object: facts.path })
  }
  queryTraits(facts.query, traits)
  // Express, ASP.NET Core and IIS route without regard to case: a guardrail's `needs` (written in lower case)
  // also sees the path in lower case, so `/v1/SECRET` meets a rule on `/v1/secret`. The grant's scope still
  // compares the path as sent (a grant covers the spelling it names).
  const lower = facts.path.toLowerCase()
  const parts = lower === facts.path ? undefined : needs.map((n) => ({ ...n, object: lower }))
  if (facts.upgrade) traits.push('websocket', `upgrade:${facts.upgrade.toLowerCase()}`)
  let text = line
  if (facts.body === 'uninspected') traits.push('body-uninspected')
  else if (facts.body) {
    bodyTraits(facts.body.json, '$', traits, 0)
    text = `${line}\n${facts.body.text}`
  }
  return {
    ...base,
    text,
    // Credentials the secret detectors find (a JWT, a cloud or SaaS token) under any name, or in the path.
    recordText: maskSecrets(facts.query ? `${facts.method} ${facts.path}?${redactQuery(facts.query)}` : line),
    needs,
    ...(parts ? { parts } : {}),
    // Fields past the bound were not looked at: a rule on one of them cannot be checked (fail closed).
    traits:
      traits.length >= MAX_TRAITS || traits.includes(TOO_DEEP)
        ? [...traits.slice(0, MAX_TRAITS), 'traits-truncated']
        : traits,
  }
}

/** Whether a parameter name reads as `_method` to an upstream: PHP (Symfony, Laravel) drops leading spaces
 * of a name and reads ` `, `.` and `[` in it as `_` (`?.method=DELETE` is `$_GET['_method']`). */
function isMethodParameter(name: string): boolean {
  return phpName(name) === '_method'
}

/** A parameter name as PHP registers it (`$_GET`, `$_POST`): leading spaces dropped, ` ` and `.` read as `_`,
 * and so is a `[` that opens no array (`a[b` is `a_b`, `a[b]` is the array `a`). */
export function phpName(name: string): string {
  const trimmed = name.replace(/^ +/, '')
  const open = trimmed.indexOf('[')
  const head = open !== -1 && trimmed.indexOf(']', open) === -1 ? trimmed.replace('[', '_') : trimmed
  return head.replace(/[ .]/g, '_')
}

/** `_method` values of a query, read as `&`-separated pairs and as `;`-separated ones (Rack 2). */
function queryMethodOverrides(query: string): string[] {
  if (!query) return []
  const pairs = [...new URLSearchParams(query)]
  if (query.includes(';')) pairs.push(...new URLSearchParams(query.replaceAll(';', '&')))
  return pairs.filter(([name]) => isMethodParameter(name)).map(([, value]) => value)
}

function queryTraits(query: string, traits: string[]): void {
  if (!query) return
  // `;` separates parameters too for some upstreams (Rack 2, old Python): the `;`-split reading adds its
  // traits, so a rule on `force=true` sees `?a=1;force=true`.
  const params = [...new URLSearchParams(query)]
  if (query.includes(';')) params.push(...new URLSearchParams(query.replaceAll(';', '&')))
  for (const [name, value] of params) {
    if (traits.length >= MAX_TRAITS) return
    traits.push(`query:${name}`)
    if (value.length <= MAX_TRAIT_VALUE) traits.push(`query:${name}=${value}`)
    // PHP reads `dry.run` and `dry run` as `dry_run`: a rule on `query:dry_run=false` sees them.
    const php = phpName(name)
    if (php !== name) {
      traits.push(`query:${php}`)
      if (value.length <= MAX_TRAIT_VALUE) traits.push(`query:${php}=${value}`)
    }
    // Many upstreams read names and values without regard to case (`Force=TRUE`): the lower-case form is
    // a trait too, so a rule written in lower case matches both.
    const lower = `query:${name}=${value}`.toLowerCase()
    if (lower !== `query:${name}=${value}` && value.length <= MAX_TRAIT_VALUE)
      traits.push(`query:${name.toLowerCase()}`, lower)
  }
}

function bodyTraits(value: unknown, path: string, traits: string[], depth: number): void {
  if (traits.length >= MAX_TRAITS) return
  if (depth > 32 || path.length > MAX_TRAIT_PATH) {
    traits.push(TOO_DEEP)
    return
  }
  // Go's encoding/json (and others) match a key to a field without regard to case, folding as Unicode does
  // (`FORCE`, `forcE`, `ſ` for `s`, the Kelvin sign for `k`): the folded path is a trait too, so a rule
  // written in lower case matches every spelling the upstream reads as its field.
  const folded = foldKey(path)
  if (value !== null && typeof value === 'object') {
    if (path !== '$') traits.push(`body:${path}`)
    if (folded !== path) traits.push(`body:${folded}`)
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value)
    for (const [key, inner] of entries)
      bodyTraits(inner, Array.isArray(value) ? `${path}[*]` : `${path}.${key}`, traits, depth + 1)
    return
  }
  if (path === '$') return
  traits.push(`body:${path}`)
  const text = value === null ? 'null' : String(value)
  if (text.length <= MAX_TRAIT_VALUE) traits.push(`body:${path}=${text}`)
  if (folded === path) return
  traits.push(`body:${folded}`)
  if (text.length <= MAX_TRAIT_VALUE) traits.push(`body:${folded}=${text}`)
}

/** A key path as a case-insensitive decoder reads it: upper-cased then lower-cased, so `ſ` is `s` and the
 * Kelvin sign `k`, as Go's simple folding has them. */
const foldKey = (path: string): string => path.toUpperCase().toLowerCase()

/** The query as recorded: values of parameters named like secrets replaced. A name is read as upstreams read
 * it: percent-decoded (`%74oken` is `token`), `+` a space, and `;` separates pairs as `&` does (Rack 2, older
 * Python), so neither spelling carries a secret into a recording. Also used for form bodies. */
export function redactQuery(query: string): string {
  return query.replace(/[^&;]+/g, (pair) => {
    const eq = pair.indexOf('=')
    if (eq === -1) return pair
    const name = pair.slice(0, eq)
    return SECRET_NAME.test(decodedName(name)) ? `${name}=REDACTED` : pair
  })
}

function decodedName(name: string): string {
  const spaced = name.replaceAll('+', ' ')
  try {
    return decodeURIComponent(spaced)
  } catch {
    // A broken escape: decode what decodes, so `%74oken%zz` still reads as a secret's name.
    return spaced.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    )
  }
}

/** A raw request target (not normalised: a request refused before classification) as recorded. */
export function redactTarget(target: string): string {
  const q = target.indexOf('?')
  return maskSecrets(q === -1 ? target : `${target.slice(0, q)}?${redactQuery(target.slice(q + 1))}`)
}

/** A recorded request classified again for policy replay (core's Reclassify): the request line as recorded
 * (already normalised; secret-looking query values read as REDACTED), and the recorded body sample when it
 * is whole JSON. A sample that was cut or masked can make a body rule replay differently. */
export function reclassifyRecorded(text: string): Action {
  const [line = '', ...rest] = text.split('\n')
  const space = line.indexOf(' ')
  const method = line.slice(0, space)
  const target = line.slice(space + 1)
  const q = target.indexOf('?')
  const blank = rest.indexOf('')
  const sample = blank === -1 ? undefined : rest.slice(blank + 1).join('\n')
  let body: HttpRequestFacts['body']
  try {
    if (sample) body = { json: JSON.parse(sample) as unknown, text: sample }
  } catch {
    body = undefined
  }
  return classifyRequest({
    method,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    ...(body ? { body } : {}),
  })
}
