// What the resource's PostgreSQL listener answered, mapped for the model. taskgate's own denials and holds
// carry their decision as data in the ErrorResponse `routine` field (core's encodeDecisionData, written by
// the PostgreSQL engine beside its human message, DETAIL and HINT): that data, never the text, is what the
// model gets. Everything else is the target's own error or the connection's, classified by SQLSTATE (never
// by message text) and passed on as it is.
import type { DatabaseError } from 'pg'
import { decodeDecisionData } from '../../core/index.ts'
import { type DataPathFailure, decisionFailure } from '../data-path-client.ts'

export function postgresFailure(error: unknown): DataPathFailure {
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
  const decision = decodeDecisionData(e.routine)
  if (decision) return decisionFailure(decision)
  return { kind: 'failed', ...loginOrSqlFailure(sqlstate, e) }
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
