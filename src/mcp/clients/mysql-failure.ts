// What the resource's MySQL listener answered, mapped for the model. taskgate's own denials and refused
// holds carry their decision as data on the last line of the ERR message (core's encodeDecisionData,
// written by the MySQL engine for clients that ask at login, as mysql.ts does; the engine neutralises the
// marker in every other text, a target's error included): that data, never the text, is what the model
// gets. Everything else is the target's or the connection's failure, classified by error number.
import { decodeDecisionData } from '../../core/index.ts'
import { type DataPathFailure, decisionFailure } from '../data-path-client.ts'

interface MysqlErrorLike {
  errno?: number
  sqlState?: string
  code?: string | number
  message?: string
}

/** Server error numbers this mapping reads (mariadb.com/kb/en/mariadb-error-code-reference/). */
const ER_CON_COUNT_ERROR = 1040
const ER_ACCESS_DENIED_ERROR = 1045
const ER_HOST_IS_BLOCKED = 1129
const ER_CONNECTION_KILLED = 1927
const ER_SERVER_SHUTDOWN = 1053
const CR_CONN_HOST_ERROR = 2003

export function mysqlFailure(error: unknown): DataPathFailure {
  const e = (error ?? {}) as MysqlErrorLike
  // An ERR the client did not wait for (the gateway closing the session) has its number in `code`.
  const errno = typeof e.errno === 'number' ? e.errno : typeof e.code === 'number' ? e.code : undefined
  const message = e.message ?? ''
  const newline = message.lastIndexOf('\n')
  const decision = newline >= 0 ? decodeDecisionData(message.slice(newline + 1)) : undefined
  if (decision) return decisionFailure(decision)
  if (errno === undefined) {
    const code = typeof e.code === 'string' ? e.code : 'connection failed'
    const tls = /CERT|SSL|TLS/.test(code)
    return {
      kind: 'failed',
      code: 'TG_UPSTREAM_UNAVAILABLE',
      message: tls
        ? `The certificate of the resource's taskgate listener is not trusted (${code}); its owner configures resources[].tls with a certificate this host trusts (NODE_EXTRA_CA_CERTS).`
        : `The resource's taskgate listener cannot be reached (${code}); try again later.`,
    }
  }
  return { kind: 'failed', ...loginOrSqlFailure(errno, e.sqlState, message) }
}

function loginOrSqlFailure(
  errno: number,
  sqlState: string | undefined,
  message: string,
): { code: string; message: string; [key: string]: unknown } {
  // 1045: the listener knows no such credential (it goes when the grant ends, expires or is revoked).
  if (errno === ER_ACCESS_DENIED_ERROR)
    return {
      code: 'TG_GRANT_NOT_ACTIVE',
      message:
        'The grant credential no longer works (the grant ended, expired or was revoked); request a new grant with request_access.',
    }
  // 1927: the gateway closed the session because the grant ended (errors.ts grantEnded).
  if (errno === ER_CONNECTION_KILLED)
    return { code: 'TG_GRANT_NOT_ACTIVE', message: `${message}; request a new grant with request_access.` }
  if (errno === ER_CON_COUNT_ERROR) return { code: 'TG_SESSION_LIMIT', message }
  if (errno === ER_HOST_IS_BLOCKED) return { code: 'TG_LOGIN_RATE_LIMITED', message }
  if (errno === CR_CONN_HOST_ERROR || errno === ER_SERVER_SHUTDOWN || sqlState?.startsWith('08'))
    return { code: 'TG_UPSTREAM_UNAVAILABLE', message, errno }
  return { code: 'TG_QUERY_FAILED', message, errno, ...(sqlState ? { sqlstate: sqlState } : {}) }
}
