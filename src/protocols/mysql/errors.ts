// Every ERR packet the gateway writes itself, as named constructors (HOUSE-STYLE rule 8), with the server's
// own error numbers and SQLSTATEs (mariadb.com/kb/en/mariadb-error-code-reference/) so drivers react as they
// would to the server. Only client-safe text goes in: a TaskgateError's client message, never its detail.
import {
  DECISION_DATA_MARKER,
  type Decision,
  type Denial,
  encodeDecisionData,
  formatScope,
  type TaskgateError,
} from '../../core/index.ts'
import { type ErrPacket, encodeErrPacket } from './wire/generic-responses.ts'

/** Server error numbers the gateway answers with. */
export const ErrorCode = {
  ER_ACCESS_DENIED_ERROR: 1045,
  ER_TABLEACCESS_DENIED_ERROR: 1142,
  ER_UNKNOWN_COM_ERROR: 1047,
  ER_MALFORMED_PACKET: 1835,
  ER_CONNECTION_KILLED: 1927,
  ER_SERVER_SHUTDOWN: 1053,
  ER_NOT_ALLOWED_COMMAND: 1148,
  ER_CON_COUNT_ERROR: 1040,
  ER_UNKNOWN_ERROR: 1105,
  ER_HOST_IS_BLOCKED: 1129,
  ER_NET_PACKET_TOO_LARGE: 1153,
  ER_MAX_PREPARED_STMT_COUNT_REACHED: 1461,
  ER_UNKNOWN_CHARACTER_SET: 1115,
  CR_CONN_HOST_ERROR: 2003,
} as const

/** A statement the policy denied: 1142 / 42000 (as the server's own table-access denial), the message
 * carrying the rule, the missing scope and the command that requests it; with `withData` (a client that
 * asked for it at login, see withDecisionData) the decision as data on a last line. */
export function denied(d: Denial, withData = false): Buffer {
  const parts = [`taskgate denied this statement (rule ${d.rule}): ${withoutPrefix(d.reason)}`]
  if (d.missingScope?.length) parts.push(`missing scope: ${formatScope(d.missingScope)}`)
  if (d.requestHint) parts.push(d.requestHint)
  return encodeErrPacket({
    errorCode: ErrorCode.ER_TABLEACCESS_DENIED_ERROR,
    sqlState: '42000',
    message: withDecisionData(parts.join('; '), withData ? d : undefined),
  })
}

/** The connection attribute with which a client asks for decision data in taskgate's ERR packets (the MCP
 * tools' MySQL client does): an ERR packet has no field a client passes on unshown (PostgreSQL's routine),
 * so the data goes on the message's last line, for clients that read it and not for people at a CLI. */
export const DECISION_DATA_ATTRIBUTE = 'taskgate_decision_data'

/** What stands for the marker in any text taskgate did not encode itself (a target's error, a parser
 * message quoting the client's statement), so only the gateway's own last line carries decision data. */
const NEUTRAL_MARKER = DECISION_DATA_MARKER.replace('/', '(quoted)/')

function withDecisionData(
  human: string,
  decision: Exclude<Decision, { outcome: 'allow' }> | undefined,
): string {
  const text = human.replaceAll(DECISION_DATA_MARKER, NEUTRAL_MARKER)
  return decision ? `${text}\n${encodeDecisionData(decision)}` : text
}

/** A target's ERR that quotes the decision-data marker (SIGNAL … SET MESSAGE_TEXT can say anything), with
 * the marker neutralised; undefined when it quotes none. */
export function withoutForgedDecision(err: ErrPacket): ErrPacket | undefined {
  if (!err.message.includes(DECISION_DATA_MARKER)) return undefined
  return { ...err, message: err.message.replaceAll(DECISION_DATA_MARKER, NEUTRAL_MARKER) }
}

const withoutPrefix = (reason: string): string => reason.replace(/^taskgate:\s*/, '')

/** A statement that needs a person's approval first, when the gateway does not hold the connection for
 * it: the same 1142 / 42000, saying which approval to wait for. MySQL has no notice a server can send
 * while a statement waits, so a held statement shows nothing until it runs or is refused. */
export function approvalRequired(
  d: Extract<Decision, { outcome: 'approve-first' }>,
  withData = false,
): Buffer {
  const parts = [
    `taskgate requires an approval for this statement (rule ${d.rule}): ${withoutPrefix(d.reason)}`,
  ]
  if (d.approvalId)
    parts.push(`approval ${d.approvalId} is pending; run the statement again once it is approved`)
  return encodeErrPacket({
    errorCode: ErrorCode.ER_TABLEACCESS_DENIED_ERROR,
    sqlState: '42000',
    message: withDecisionData(parts.join('; '), withData ? d : undefined),
  })
}

/** The grant ended under a live session: the server's own words for a killed connection. */
export function grantEnded(reason: string): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_CONNECTION_KILLED,
    sqlState: '70100',
    message: `grant ended: ${reason}`,
  })
}

export function gatewayShutdown(): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_SERVER_SHUTDOWN,
    sqlState: '08S01',
    message: 'taskgate is shutting down',
  })
}

/** Same text for a wrong password and an unknown user, as the server says it. */
export function accessDenied(user: string, usingPassword: boolean): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_ACCESS_DENIED_ERROR,
    sqlState: '28000',
    message: `Access denied for user '${user}' (using password: ${usingPassword ? 'YES' : 'NO'})`,
  })
}

/** The client needs TLS (the resource requires it) but did not ask for it. */
export function tlsRequired(): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_ACCESS_DENIED_ERROR,
    sqlState: '28000',
    message: 'taskgate requires TLS for this resource; connect with --ssl (mysql2: ssl option)',
  })
}

/** A command or capability the gateway does not relay, with why and what to do instead. */
export function refused(what: string, why: string): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_NOT_ALLOWED_COMMAND,
    sqlState: '42000',
    message: `taskgate does not allow ${what}: ${why}`,
  })
}

/** A handshake asking for a character set the gateway cannot read statements in (client-charset.ts), in the
 * server's words for a character set it does not know. */
export function characterSetRefused(why: string): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_UNKNOWN_CHARACTER_SET,
    sqlState: '42000',
    message: `taskgate: ${why}`,
  })
}

export function unknownCommand(command: number): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_UNKNOWN_COM_ERROR,
    sqlState: '08S01',
    message: `taskgate does not relay command 0x${command.toString(16).padStart(2, '0')}`,
  })
}

/** Bytes that break the protocol. */
export function protocolViolation(message: string): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_MALFORMED_PACKET,
    sqlState: '08S01',
    message: `malformed packet: ${message}`,
  })
}

/** The server's own error for a failure with one, by code (never by message text). */
const NATIVE_FAILURE: Partial<Record<string, { errorCode: number; sqlState: string }>> = {
  TG_UPSTREAM_UNAVAILABLE: { errorCode: ErrorCode.CR_CONN_HOST_ERROR, sqlState: '08S01' },
  // As the server past max_connections / max_user_connections.
  TG_SESSION_LIMIT: { errorCode: ErrorCode.ER_CON_COUNT_ERROR, sqlState: '08004' },
  // As the server blocking a host after max_connect_errors.
  TG_LOGIN_RATE_LIMITED: { errorCode: ErrorCode.ER_HOST_IS_BLOCKED, sqlState: 'HY000' },
}

/** A failure as a client sees it: the code and the client message, never the detail. */
export function failure(error: TaskgateError): Buffer {
  const native = NATIVE_FAILURE[error.code] ?? {
    errorCode: ErrorCode.ER_ACCESS_DENIED_ERROR,
    sqlState: '28000',
  }
  return encodeErrPacket({ ...native, message: `${error.clientMessage} (${error.code})` })
}

/** A client packet over clients.maxPacketBytes, in the server's words for max_allowed_packet; the
 * connection closes after it. */
export function packetTooLarge(maxPacketBytes: number): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_NET_PACKET_TOO_LARGE,
    sqlState: '08S01',
    message: `Got a packet bigger than 'max_allowed_packet' bytes (taskgate accepts at most ${maxPacketBytes}: resources[].clients.maxPacketBytes)`,
  })
}

/** A statement over a client limit (its size, the statements in one text): refused before it is parsed or
 * decided; the session goes on. */
export function limitExceeded(reason: string): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_UNKNOWN_ERROR,
    sqlState: 'HY000',
    message: `taskgate refused this statement (rule limits): ${reason}`,
  })
}

/** One prepared statement more than clients.maxPreparedStatements, as the server past
 * max_prepared_stmt_count. */
export function tooManyPrepared(maxPreparedStatements: number): Buffer {
  return encodeErrPacket({
    errorCode: ErrorCode.ER_MAX_PREPARED_STMT_COUNT_REACHED,
    sqlState: '42000',
    message: `Can't create more than max_prepared_stmt_count statements (current value: ${maxPreparedStatements}; taskgate's resources[].clients.maxPreparedStatements); close some with COM_STMT_CLOSE / DEALLOCATE PREPARE`,
  })
}
