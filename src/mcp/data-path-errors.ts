// What the resource's PostgreSQL listener answered, mapped for the model. taskgate's own denials arrive
// as ErrorResponse 42501 whose message names the rule, DETAIL the missing scope and HINT the exact
// `taskgate grant request` command (protocols/postgres/errors.ts); everything else is the target's own
// error, classified by SQLSTATE (never by message text) and passed on as it is.
import type { DatabaseError } from 'pg'
import type { DenialData } from './errors.ts'

export type DataPathFailure =
  | { kind: 'denied'; denial: DenialData }
  | { kind: 'approval-required'; rule: string; reason: string; approvalId?: string }
  | { kind: 'failed'; code: string; message: string; [key: string]: unknown }

const TASKGATE_MESSAGE =
  /^taskgate (denied this statement|requires an approval for this statement) \(rule ([^)]+)\): ([\s\S]*)$/
const APPROVAL_ID = /\bapproval\s+(a[a-z0-9]{14})\b/i

/** The approval id a NOTICE, HINT or DETAIL names (`approval a1b2... is pending`), if any. */
export function approvalIdIn(...texts: Array<string | undefined>): string | undefined {
  for (const text of texts) {
    const match = text ? APPROVAL_ID.exec(text) : null
    if (match) return match[1]
  }
  return undefined
}

export function dataPathFailure(error: unknown): DataPathFailure {
  const e = error as Partial<DatabaseError> & { code?: string; message?: string }
  const sqlstate = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined
  if (!sqlstate && typeof e.code === 'string' && /CERT|SSL|TLS/.test(e.code)) {
    return {
      kind: 'failed',
      code: 'TG_UPSTREAM_UNAVAILABLE',
      message: `The certificate of the resource's taskgate listener is not trusted (${e.code}); its owner configures resources[].tls with a certificate this host trusts (NODE_EXTRA_CA_CERTS).`,
    }
  }
  if (!sqlstate) {
    // A socket-level failure (ECONNREFUSED, a reset): the listener is not reachable.
    return {
      kind: 'failed',
      code: 'TG_UPSTREAM_UNAVAILABLE',
      message: `The resource's taskgate listener cannot be reached (${e.code ?? e.message ?? 'connection failed'}); try again later.`,
    }
  }
  const message = e.message ?? ''
  const ours = sqlstate === '42501' ? TASKGATE_MESSAGE.exec(message) : null
  if (ours) {
    const [, what, rule, reason] = ours as unknown as [string, string, string, string]
    if (what.startsWith('requires')) {
      const approvalId = approvalIdIn(e.hint, e.detail)
      return { kind: 'approval-required', rule, reason, ...(approvalId ? { approvalId } : {}) }
    }
    const missing = /^missing scope: (.+)$/.exec(e.detail ?? '')?.[1]
    return {
      kind: 'denied',
      denial: {
        code: denyCode(e.routine, rule, reason),
        rule,
        reason,
        ...(missing ? { missingScope: missing.split(',') } : {}),
        ...(e.hint ? { requestHint: e.hint } : {}),
      },
    }
  }
  return { kind: 'failed', ...loginOrSqlFailure(sqlstate, e) }
}

/**
 * The decision's code is not a wire field: the PG side may put it in `routine` (a TG_* value there wins);
 * otherwise it follows from the rule, which core names per check (policy/checks/*).
 */
function denyCode(routine: string | undefined, rule: string, reason: string): string {
  if (routine && /^TG_[A-Z_]+$/.test(routine)) return routine
  if (rule === 'scope') return 'TG_SCOPE_MISSING'
  if (rule.startsWith('guardrail:')) return 'TG_GUARDRAIL'
  if (rule === 'unclassified') return 'TG_UNCLASSIFIED'
  if (rule === 'grant') return /expired/.test(reason) ? 'TG_GRANT_EXPIRED' : 'TG_GRANT_NOT_ACTIVE'
  if (rule === 'approval')
    return /^No approver decided/.test(reason) ? 'TG_APPROVAL_TIMEOUT' : 'TG_APPROVAL_DENIED'
  if (rule === 'error') return 'TG_STORE_UNAVAILABLE'
  return 'TG_FORBIDDEN'
}

function loginOrSqlFailure(
  sqlstate: string,
  e: Partial<DatabaseError>,
): { code: string; message: string; [key: string]: unknown } {
  // The gateway's own failures carry their TG_* code in DETAIL (protocols/postgres/errors.ts).
  if (e.detail && /^TG_[A-Z_]+$/.test(e.detail) && !sqlstate.startsWith('4'))
    return { code: e.detail, message: e.message ?? e.detail }
  // 57P01 admin_shutdown: the gateway closed the session because the grant ended (errors.ts grantEnded).
  if (sqlstate === '57P01')
    return { code: 'TG_GRANT_NOT_ACTIVE', message: `${e.message}; request a new grant with request_access.` }
  // 28P01: the listener knows no such credential (it goes when the grant ends, expires or is revoked).
  if (sqlstate === '28P01')
    return {
      code: 'TG_GRANT_NOT_ACTIVE',
      message:
        'The grant credential no longer works (the grant ended, expired or was revoked); request a new grant with request_access.',
    }
  // 28000 without a TG_* code: the listener refused how we connected (TLS, authentication method), not
  // the credential; requesting a new grant would not help.
  if (sqlstate === '28000')
    return {
      code: 'TG_UPSTREAM_UNAVAILABLE',
      message: `The resource's taskgate listener refused the connection: ${e.message ?? 'login refused'}; ask its owner.`,
      sqlstate,
    }
  if (sqlstate.startsWith('08') || sqlstate === '57P03')
    return { code: 'TG_UPSTREAM_UNAVAILABLE', message: e.message ?? 'the database is unavailable', sqlstate }
  return {
    code: 'TG_QUERY_FAILED',
    message: e.message ?? 'the statement failed',
    sqlstate,
    ...(e.detail ? { detail: e.detail } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
    ...(e.position ? { position: Number(e.position) } : {}),
  }
}
