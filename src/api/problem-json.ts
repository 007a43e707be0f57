// Every API failure leaves as RFC 9457 problem+json built from a TaskgateError: the stable `code` is what
// clients branch on; `detail` is the client-safe message (internal errors show only a reference).
import type { ErrorKind, TaskgateError } from '../core/index.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  denied: 403,
  'not-found': 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
}

const TITLE_BY_KIND: Record<ErrorKind, string> = {
  invalid: 'Invalid request',
  unauthenticated: 'Not authenticated',
  denied: 'Forbidden',
  'not-found': 'Not found',
  conflict: 'Conflict',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
}

export interface Problem {
  type: string
  title: string
  status: number
  code: string
  detail: string
  /** Only for internal errors: the reference an operator finds in the gateway log. */
  ref?: string
}

/** The problem document for an error. Never includes `error.detail` or `cause`: those are for logs. */
export function problemFor(error: TaskgateError): Problem {
  const problem: Problem = {
    // A stable, dereferenceable-in-docs identifier per code (docs/errors.md has one anchor per code).
    type: `urn:taskgate:error:${error.code}`,
    title: error.code === 'TG_LOGIN_RATE_LIMITED' ? 'Too many requests' : TITLE_BY_KIND[error.kind],
    // A refused login past the failure limit is 429 (RFC 6585), so clients back off rather than re-auth.
    status: error.code === 'TG_LOGIN_RATE_LIMITED' ? 429 : STATUS_BY_KIND[error.kind],
    code: error.code,
    detail: error.clientMessage,
  }
  if (error.kind === 'internal') problem.ref = error.ref
  return problem
}
