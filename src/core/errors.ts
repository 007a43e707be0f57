// One registry of error codes. Codes are never reused or renamed; docs/errors.md is generated from
// this table and a test keeps the two in step.
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'denied'
  | 'not-found'
  | 'conflict'
  | 'unavailable'
  | 'internal'

export const ERRORS = {
  TG_CONFIG_INVALID: {
    kind: 'invalid',
    message: 'The configuration is invalid; fix the listed keys and start again.',
  },
  TG_CONFIG_SECRET_MISSING: {
    kind: 'invalid',
    message:
      'A secret named in the configuration could not be read; set the environment variable or create the file.',
  },
  TG_REQUEST_INVALID: {
    kind: 'invalid',
    message: 'The request is malformed; check the fields named in the detail.',
  },
  TG_SCOPE_INVALID: {
    kind: 'invalid',
    message: 'The scope is malformed; write entries as verb:object, e.g. select:billing.invoices.',
  },
  TG_SCOPE_TOO_LARGE: {
    kind: 'invalid',
    message:
      'The scope has too many entries or an entry is too long; name objects with a pattern such as select:billing.* instead.',
  },
  TG_TTL_INVALID: { kind: 'invalid', message: 'The TTL is malformed; write it as 90s, 15m, 2h or 1d.' },
  TG_APPROVAL_REASON_REQUIRED: {
    kind: 'invalid',
    message:
      'Every approval decision needs a reason; say why you approve or deny (it is recorded and the requester sees it).',
  },
  TG_AUTH_MISSING: {
    kind: 'unauthenticated',
    message: 'No credential was presented; log in with `taskgate login` or set TASKGATE_TOKEN.',
  },
  TG_AUTH_INVALID: {
    kind: 'unauthenticated',
    message: 'The credential is not valid; log in again or use a current key.',
  },
  TG_TOKEN_INVALID: {
    kind: 'unauthenticated',
    message: 'The identity token was rejected; obtain a new token from your IdP.',
  },
  TG_LOGIN_FAILED: {
    kind: 'unauthenticated',
    message:
      'The login did not complete (denied at the IdP, code expired or cancelled); run `taskgate login` again.',
  },
  TG_LOGIN_EXPIRED: {
    kind: 'unauthenticated',
    message: 'The stored login has expired and could not be refreshed; run `taskgate login` again.',
  },
  TG_CREDENTIAL_INVALID: {
    kind: 'unauthenticated',
    message:
      'The grant credential is not valid for this resource; request a grant with `taskgate grant request`.',
  },
  TG_GRANT_NOT_ACTIVE: {
    kind: 'denied',
    message:
      'The grant for this task is not active (ended, expired, revoked or still pending); request a new one.',
  },
  TG_GRANT_EXPIRED: { kind: 'denied', message: 'The grant for this task has expired; request a new one.' },
  TG_GRANT_DENIED: {
    kind: 'denied',
    message: 'The grant request was denied by policy; request a scope within your ceiling.',
  },
  TG_FORBIDDEN: {
    kind: 'denied',
    message: 'You are not allowed to do this; ask an administrator or an approver.',
  },
  TG_SELF_APPROVAL: { kind: 'denied', message: 'Nobody approves their own request; ask another approver.' },
  TG_CSRF_INVALID: {
    kind: 'denied',
    message:
      'The console request lacked its CSRF token or came from another origin; reload the console and try again.',
  },
  TG_NOT_FOUND: { kind: 'not-found', message: 'No such object; check the id.' },
  TG_RESOURCE_UNKNOWN: { kind: 'not-found', message: 'No such resource; `taskgate resources` lists them.' },
  TG_CONFLICT: {
    kind: 'conflict',
    message: 'The object is not in a state that allows this; reload it and try again.',
  },
  TG_APPROVAL_CANCELLED: {
    kind: 'conflict',
    message:
      'The approval was cancelled because its grant ended before anyone decided; there is nothing left to approve.',
  },
  TG_ALREADY_EXISTS: {
    kind: 'conflict',
    message: 'An object with that name already exists; choose another name.',
  },
  TG_LOGIN_RATE_LIMITED: {
    kind: 'unauthenticated',
    message:
      'Too many failed logins from this address or for this name; wait until the time given and try again with a valid credential.',
  },
  TG_STATEMENT_TOO_LARGE: {
    kind: 'invalid',
    message:
      'The statement is longer, or holds more statements, than the gateway accepts at once; split it, or load bulk data with COPY.',
  },
  TG_SESSION_LIMIT: {
    kind: 'conflict',
    message:
      'Too many sessions are open under this grant or for this principal; close one (or end idle clients) and connect again.',
  },
  TG_STORE_FILES_EXPOSED: {
    kind: 'invalid',
    message:
      "Other users of this machine can read the gateway's store or key files; run the chmod commands shown and start again.",
  },
  TG_STORE_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The gateway cannot reach its store and denies all access.',
  },
  TG_STORE_BUSY: {
    kind: 'unavailable',
    message:
      "The gateway's store is reachable but busy (every connection in use or a lock held too long); try again shortly, or raise `store.poolSize`.",
  },
  TG_RECORDING_UNAVAILABLE: {
    kind: 'unavailable',
    message:
      'The gateway cannot record this statement durably (its store is unreachable, full or read-only) and refuses it until it can; `recording.onFailure` sets this.',
  },
  TG_UPSTREAM_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The target resource cannot be reached; try again later or ask its owner.',
  },
  TG_UPSTREAM_HOST_KEY_MISMATCH: {
    kind: 'unavailable',
    message:
      "The target presented a host key other than the one configured for it (hostKey or knownHosts); the session is refused. Ask the resource's owner: the host may have been reinstalled, or something sits in between.",
  },
  TG_QUERY_FAILED: {
    kind: 'invalid',
    message:
      'The target database rejected the statement; its SQLSTATE and message say why (fix the statement and run it again).',
  },
  TG_IDP_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The identity provider cannot be reached; try again later.',
  },
  TG_AUDIT_CHAIN_BROKEN: {
    kind: 'internal',
    message: 'The audit chain failed verification; an entry was changed, removed or reordered.',
  },
  TG_CLI_USAGE: {
    kind: 'invalid',
    message: 'The command line is malformed; `taskgate help <command>` shows its usage.',
  },
  TG_CLI_API_UNREACHABLE: {
    kind: 'unavailable',
    message:
      'The CLI cannot reach the taskgate API; start it with `taskgate serve` or set --api / TASKGATE_API.',
  },
  TG_CLI_WAIT_TIMEOUT: {
    kind: 'unavailable',
    message: 'No approver decided while `--wait` waited; check later with `taskgate grant show ID`.',
  },
  TG_CLI_CLIENT_FAILED: {
    kind: 'internal',
    message: 'The client program given to `taskgate connect` could not be run.',
  },
  TG_INTERNAL: { kind: 'internal', message: 'Internal error.' },
} as const satisfies Record<string, { kind: ErrorKind; message: string }>

export type ErrorCode = keyof typeof ERRORS

/**
 * A failure (bad input, upstream gone, store down, bug). Only `code` and `clientMessage` reach a client;
 * `detail` and `cause` are for operators' logs.
 */
export class TaskgateError extends Error {
  readonly code: ErrorCode
  readonly kind: ErrorKind
  readonly detail: string | undefined
  readonly ref: string

  constructor(code: ErrorCode, options: { message?: string; detail?: string; cause?: unknown } = {}) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause })
    this.name = 'TaskgateError'
    this.code = code
    this.kind = ERRORS[code].kind
    this.detail = options.detail
    this.ref = Math.random().toString(36).slice(2, 10)
  }

  /** The text safe to show a client: internal errors reveal only a reference for the operator's log. */
  get clientMessage(): string {
    return this.kind === 'internal' ? `internal error, ref ${this.ref}` : this.message
  }
}

export function isTaskgateError(error: unknown): error is TaskgateError {
  return error instanceof TaskgateError
}

/** Wraps anything thrown into a TaskgateError, keeping a TaskgateError as it is. */
export function toTaskgateError(error: unknown): TaskgateError {
  if (isTaskgateError(error)) return error
  return new TaskgateError('TG_INTERNAL', { detail: String(error), cause: error })
}
