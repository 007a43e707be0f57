// Every ErrorResponse the gateway writes itself, as named constructors (HOUSE-STYLE rule 8). SQLSTATEs
// from postgresql.org/docs/current/errcodes-appendix.html. Only client-safe text goes in: a TaskgateError's
// client message, never its detail or cause.
import { type Denial, encodeDecisionData, formatScope, type TaskgateError } from '../../core/index.ts'
import type { ParserError } from './classify.ts'
import { type ErrorFields, serializeErrorResponse } from './wire/server-messages.ts'

/** A statement the policy denied: 42501 insufficient_privilege, with what to request in DETAIL/HINT. A
 * statement refused because the gateway's own store failed is not a permission problem: 58030 io_error when
 * it could not be recorded, 57P03 when the store could not be asked. The text is for people; the same
 * decision as data rides in `routine` for clients that act on it (the MCP tools). */
export function denialFields(d: Denial): ErrorFields {
  return {
    severity: 'ERROR',
    code:
      d.code === 'TG_RECORDING_UNAVAILABLE' ? '58030' : d.code === 'TG_STORE_UNAVAILABLE' ? '57P03' : '42501',
    message: `taskgate denied this statement (rule ${d.rule}): ${withoutPrefix(d.reason)}`,
    detail: d.missingScope?.length ? `missing scope: ${formatScope(d.missingScope)}` : undefined,
    hint: d.requestHint,
    routine: encodeDecisionData(d),
  }
}

/** A text PostgreSQL's parser rejects: 42601 syntax_error with the parser's message and its 1-based
 * character position, as the server says it. Policy denied it (nothing unparsed goes upstream), but the
 * client's mistake is the syntax, and drivers point at it by the position. */
export function syntaxErrorFields(error: ParserError): ErrorFields {
  return { severity: 'ERROR', code: '42601', message: error.message, position: error.cursorPosition + 1 }
}

/** Core's reasons may start with `taskgate: `; our message already says who is speaking. */
export const withoutPrefix = (reason: string): string => reason.replace(/^taskgate:\s*/, '')

/** A statement that needs a human approval first; the gateway does not hold the connection for it. */
export function approvalRequiredFields(d: {
  rule: string
  reason: string
  approvalId?: string
}): ErrorFields {
  return {
    severity: 'ERROR',
    code: '42501',
    message: `taskgate requires an approval for this statement (rule ${d.rule}): ${withoutPrefix(d.reason)}`,
    hint: d.approvalId
      ? `approval ${d.approvalId} is pending; run the statement again once it is approved`
      : undefined,
    routine: encodeDecisionData({ outcome: 'approve-first', ...d }),
  }
}

/** Tells the client its statement waits for a person (a NoticeResponse, sent between any two messages). */
export function waitingNotice(d: { rule: string; reason: string; approvalId: string }): ErrorFields {
  return {
    severity: 'NOTICE',
    code: '00000',
    message: `taskgate: waiting for approval ${d.approvalId} (rule ${d.rule}): ${d.reason}`,
    hint: `an approver runs: taskgate approve ${d.approvalId} --reason "..."`,
    routine: encodeDecisionData({ outcome: 'approve-first', ...d }),
  }
}

/** The grant ended under a live session: 57P01 admin_shutdown, as a server shutting a backend down. */
export function grantEnded(reason: string): Buffer {
  return serializeErrorResponse({ severity: 'FATAL', code: '57P01', message: `grant ended: ${reason}` })
}

/** An approver ended this one session; the grant goes on, so the client may connect again. */
export function sessionEnded(reason: string): Buffer {
  return serializeErrorResponse({
    severity: 'FATAL',
    code: '57P01',
    message: `taskgate: ${reason}`,
    hint: 'the grant is still active: connect again to continue the task',
  })
}

export function gatewayShutdown(): Buffer {
  return serializeErrorResponse({
    severity: 'FATAL',
    code: '57P01',
    message: 'terminating connection: taskgate is shutting down',
  })
}

/** Same text for a wrong password and an unknown user, as PostgreSQL does. */
export function authenticationFailed(user: string): Buffer {
  return serializeErrorResponse({
    severity: 'FATAL',
    code: '28P01',
    message: `password authentication failed for user "${user}"`,
  })
}

export function authenticationRefused(message: string, code = '28000'): Buffer {
  return serializeErrorResponse({ severity: 'FATAL', code, message })
}

/** The target could not be reached (08001) or dropped the connection (08006). */
export function upstreamFailed(phase: 'connect' | 'lost'): Buffer {
  return serializeErrorResponse({
    severity: 'FATAL',
    code: phase === 'connect' ? '08001' : '08006',
    message:
      phase === 'connect'
        ? 'taskgate could not connect to the target database; try again later or ask its owner'
        : 'the connection to the target database was lost',
  })
}

/** Bytes that break the protocol: 08P01 protocol_violation. */
export function protocolViolation(message: string): Buffer {
  return serializeErrorResponse({
    severity: 'FATAL',
    code: '08P01',
    message: `invalid frontend message: ${message}`,
  })
}

const SQLSTATE_BY_KIND: Record<TaskgateError['kind'], string> = {
  invalid: '08P01',
  unauthenticated: '28P01',
  denied: '28000',
  'not-found': '3D000',
  conflict: '55000',
  unavailable: '57P03',
  internal: 'XX000',
}

const SQLSTATE_BY_CODE: Partial<Record<string, string>> = {
  TG_SESSION_LIMIT: '53300',
  // sqlserver_rejected_establishment_of_sqlconnection: the server refuses this connection attempt.
  TG_LOGIN_RATE_LIMITED: '08004',
  TG_UPSTREAM_UNAVAILABLE: '08001',
  TG_STORE_UNAVAILABLE: '57P03',
  TG_GRANT_NOT_ACTIVE: '28000',
  TG_GRANT_EXPIRED: '28000',
  TG_CREDENTIAL_INVALID: '28P01',
}

/** A failure as a client sees it: SQLSTATE by code (or kind), message without internal detail. */
export function taskgateErrorFields(error: TaskgateError, severity: 'ERROR' | 'FATAL'): ErrorFields {
  return {
    severity,
    code: SQLSTATE_BY_CODE[error.code] ?? SQLSTATE_BY_KIND[error.kind],
    message: error.clientMessage,
    detail: error.kind === 'internal' ? undefined : error.code,
  }
}

/** A result masking cannot rewrite (binary COPY, columns it could not learn): 42501, as a denial is. */
export function maskingRefused(reason: string): Buffer {
  return serializeErrorResponse({
    severity: 'ERROR',
    code: '42501',
    message: `taskgate cannot mask this result: ${reason}`,
    hint: 'use COPY ... TO STDOUT in text or CSV format, or select the columns instead',
  })
}
