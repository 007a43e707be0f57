// The console's API client, typed by the generated OpenAPI operations: `call('listGrants', { query })`.
// Requests go to the same origin with the session cookie; state-changing ones carry the CSRF token the
// server handed out at sign-in. A 401 anywhere sends the console back to the sign-in page.
import { OPERATIONS, type Operations } from './openapi-types.ts'

export type OperationId = keyof Operations
export type Response<K extends OperationId> = Operations[K]['response']

type Part<T, Name extends string> = [T] extends [never] ? unknown : { [P in Name]: T }
export type Input<K extends OperationId> = Part<Operations[K]['params'], 'params'> &
  Partial<Part<Operations[K]['query'], 'query'>> &
  Part<Operations[K]['body'], 'body'>

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

let csrfToken = ''
let onUnauthenticated: () => void = () => {}

export function setCsrfToken(token: string): void {
  csrfToken = token
}

export function whenUnauthenticated(listener: () => void): void {
  onUnauthenticated = listener
}

export async function call<K extends OperationId>(operation: K, input?: Input<K>): Promise<Response<K>> {
  const { method, path } = OPERATIONS[operation]
  const given = (input ?? {}) as {
    params?: Record<string, string>
    query?: Record<string, unknown>
    body?: unknown
  }
  let url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(given.params?.[name] ?? ''))
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(given.query ?? {})) {
    if (value !== undefined && value !== '' && value !== false) query.set(name, String(value))
  }
  if (query.size > 0) url += `?${query}`
  return request(method, url, given.body)
}

/** For the few console endpoints outside /v1 (sign-in). */
export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  if (response.status === 204) return undefined as T
  const payload = (await response.json().catch(() => ({}))) as Record<string, unknown>
  if (!response.ok) {
    if (response.status === 401 && !url.startsWith('/auth/')) onUnauthenticated()
    throw new ApiError(
      response.status,
      String(payload.code ?? 'TG_UNKNOWN'),
      String(payload.detail ?? `${response.status} ${response.statusText}`),
    )
  }
  return payload as T
}

export type Approval = Response<'getApproval'>
export type Grant = Response<'getGrant'>
export type Principal = Response<'whoami'>
export type SessionDetail = Response<'getSession'>
export type SessionSummary = SessionDetail['session']
export type RecordedAction = SessionDetail['actions'][number]
export type AuditEntry = Response<'listAudit'>['entries'][number]
