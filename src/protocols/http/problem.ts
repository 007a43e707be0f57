// Every answer the gateway writes itself on an HTTP-shaped resource, as RFC 9457 problem+json: a policy
// denial (403, with rule, reason, missing scope and the `taskgate grant request` command an agent can run),
// a login failure (401 with a Bearer challenge), limits (413/429/431), the upstream failing (502/504).
// Only client-safe text: a TaskgateError's client message, never its detail.
import type { ServerResponse } from 'node:http'
import { type Denial, formatScope, type TaskgateError } from '../../core/index.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

export interface HttpProblem {
  status: number
  title: string
  code: string
  detail: string
  rule?: string
  reason?: string
  missingScope?: string
  requestCommand?: string
  approvalId?: string
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

export function problem(status: number, code: string, detail: string): HttpProblem {
  return { status, title: TITLES[status] ?? 'Error', code, detail }
}

/** A policy denial: 403 with the decision's parts as members an agent can read. */
export function deniedProblem(d: Denial): HttpProblem {
  const reason = d.reason.replace(/^taskgate:\s*/, '')
  return {
    ...problem(403, d.code, `taskgate denied this request (rule ${d.rule}): ${reason}`),
    rule: d.rule,
    reason,
    ...(d.missingScope?.length ? { missingScope: formatScope(d.missingScope) } : {}),
    ...(d.requestHint ? { requestCommand: d.requestHint } : {}),
  }
}

/** A request held for a person that could not wait (or was refused while waiting). */
export function approvalProblem(d: { rule: string; reason: string; approvalId?: string }): HttpProblem {
  return {
    ...problem(
      403,
      'TG_APPROVAL_REQUIRED',
      `taskgate requires an approval for this request (rule ${d.rule}): ${d.reason}`,
    ),
    rule: d.rule,
    reason: d.reason,
    ...(d.approvalId ? { approvalId: d.approvalId } : {}),
  }
}

export function errorProblem(error: TaskgateError): HttpProblem {
  const status =
    error.code === 'TG_LOGIN_RATE_LIMITED'
      ? 429
      : error.kind === 'unauthenticated'
        ? 401
        : error.kind === 'denied'
          ? 403
          : error.kind === 'unavailable'
            ? 503
            : error.kind === 'invalid'
              ? 400
              : 500
  return problem(status, error.code, error.clientMessage)
}

/** Writes the problem and ends the response; a response already under way is cut instead (its status
 * line is gone: ending it short is the only honest signal left). */
export function sendProblem(res: ServerResponse, p: HttpProblem, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify({ type: `urn:taskgate:error:${p.code}`, ...p })
  res.writeHead(p.status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(p.status === 401 ? { 'www-authenticate': 'Bearer realm="taskgate"' } : {}),
    ...headers,
  })
  res.end(body)
}

/** The same problem on a raw socket (an upgrade request has no ServerResponse), then the socket closes. */
export function problemOnSocket(p: HttpProblem): string {
  const body = JSON.stringify({ type: `urn:taskgate:error:${p.code}`, ...p })
  return (
    `HTTP/1.1 ${p.status} ${p.title}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  )
}
