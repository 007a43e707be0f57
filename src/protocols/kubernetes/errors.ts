// Every answer the gateway writes itself, as the API server's own `Status` object (meta/v1 Status, reasons
// as in k8s.io/apimachinery/pkg/apis/meta/v1 StatusReason) so kubectl prints it as it prints the server's:
// `Error from server (Forbidden): <message>`. Only client-safe text goes in: a TaskgateError's client
// message, never its detail.
import { type Denial, formatScope, type TaskgateError } from '../../core/index.ts'
import type { RequestInfo } from './request-info.ts'

export interface KubeStatus {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure'
  message: string
  reason: string
  details?: { name?: string; group?: string; kind?: string }
  code: number
}

const status = (code: number, reason: string, message: string, info?: RequestInfo): KubeStatus => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  ...(info?.isResourceRequest
    ? {
        details: {
          ...(info.name ? { name: info.name } : {}),
          group: info.apiGroup,
          kind: info.subresource ? `${info.resource}/${info.subresource}` : info.resource,
        },
      }
    : {}),
  code,
})

const withoutPrefix = (reason: string): string => reason.replace(/^taskgate:\s*/, '')

/** A request the policy denied: 403 Forbidden, the message carrying the rule, the missing scope and the
 * command that requests it. */
export function denied(d: Denial, info: RequestInfo): KubeStatus {
  const parts = [`taskgate denied ${describe(info)} (rule ${d.rule}): ${withoutPrefix(d.reason)}`]
  if (d.missingScope?.length) parts.push(`missing scope: ${formatScope(d.missingScope)}`)
  if (d.requestHint) parts.push(`request it: ${d.requestHint}`)
  return status(403, 'Forbidden', parts.join('; '), info)
}

/** `kubectl --as` / `--as-group`: the gateway already acts as the grant's identity and never lets a client
 * choose another. */
export function impersonationRefused(info: RequestInfo): KubeStatus {
  return status(
    403,
    'Forbidden',
    'taskgate refuses Impersonate-* headers (kubectl --as/--as-group/--as-uid): requests run as the identity of your grant; request a grant for what you need instead',
    info,
  )
}

/** No or a wrong bearer token: 401 as the server answers it. */
export function unauthorized(message: string): KubeStatus {
  return status(401, 'Unauthorized', message)
}

/** Too many exec/attach/port-forward streams under one grant. */
export function tooManyStreams(limit: number, info: RequestInfo): KubeStatus {
  return status(
    429,
    'TooManyRequests',
    `taskgate allows ${limit} exec/attach/port-forward streams per grant at once; close one and retry`,
    info,
  )
}

/** Too many requests of one grant in flight (clients.maxRequestsPerGrant). */
export function tooManyRequests(info: RequestInfo): KubeStatus {
  return status(
    429,
    'TooManyRequests',
    'taskgate: too many requests of this grant are in flight at once; retry shortly',
    info,
  )
}

/** A failure of the gateway or its upstream (never a denial): the error's client message only. */
export function failure(error: TaskgateError): KubeStatus {
  const code = error.kind === 'unauthenticated' ? 401 : error.kind === 'denied' ? 403 : 503
  const reason = code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : 'ServiceUnavailable'
  return status(code, reason, `taskgate: ${error.clientMessage} (${error.code})`)
}

/** The grant ended while a watch, log stream or exec was open. */
export function grantEnded(reason: string): KubeStatus {
  return status(410, 'Gone', `taskgate: the grant ended (${reason}); request a new one`)
}

function describe(info: RequestInfo): string {
  if (!info.isResourceRequest) return `${info.verb} ${info.path}`
  const what = info.subresource ? `${info.resource}/${info.subresource}` : info.resource
  const where = info.namespace ? ` in namespace ${info.namespace}` : ''
  return `${info.verb} ${what}${info.name ? ` "${info.name}"` : ''}${where}`
}
