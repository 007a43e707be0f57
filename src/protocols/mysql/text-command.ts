// A COM_QUERY or COM_STMT_PREPARE as the statements to decide, or refused over a client limit before it
// is parsed (the session goes on): a text over clients.maxStatementBytes (checked on the payload's length,
// before it is decoded: parsing costs about 1-2 s per MB), one more prepared statement than
// clients.maxPreparedStatements, a text of more statements than clients.maxStatementsPerQuery.
import type { MysqlClassifier } from './classify.ts'
import type { LexOptions } from './classify-lex.ts'
import { limitExceeded, tooManyPrepared } from './errors.ts'
import { type PlannedStatement, planQuery } from './query-plan.ts'
import { parseTextCommand } from './wire/commands.ts'
import { CapabilityFlag, Command } from './wire/constants.ts'

export interface TextCommandLimits {
  maxStatementBytes: number
  maxStatementsPerQuery: number
  maxPreparedStatements: number
}

export interface TextCommandState {
  limits: TextCommandLimits
  classifier: MysqlClassifier
  capabilities: number
  lex: LexOptions
  database: string | undefined
  /** The session holds as many prepared statements as it may. */
  preparedFull: boolean
}

/** A refusal over a limit: the ERR for the client and what is recorded (never the text: it was not parsed,
 * so its literals could not be masked). */
export interface OverLimit {
  err: Buffer
  record: { kind: string; text: string; reason: string }
}

export function planTextCommand(
  command: number,
  payload: Buffer,
  s: TextCommandState,
): PlannedStatement[] | OverLimit {
  const { limits } = s
  const bytes = payload.length - 1
  if (bytes > limits.maxStatementBytes)
    return overLimit(
      `the statement text is over ${limits.maxStatementBytes} bytes, the most this gateway parses (resources[].clients.maxStatementBytes); pass long values as prepared-statement parameters`,
      `(a statement text of ${bytes} bytes, not parsed)`,
    )
  if (command === Command.COM_STMT_PREPARE && s.preparedFull) {
    const reason = `the session holds ${limits.maxPreparedStatements} prepared statements, the most it may (resources[].clients.maxPreparedStatements)`
    return {
      err: tooManyPrepared(limits.maxPreparedStatements),
      record: { kind: 'TooManyPrepared', text: '(a COM_STMT_PREPARE, not parsed)', reason },
    }
  }
  const plan = planQuery(parseTextCommand(payload), {
    classifier: s.classifier,
    lex: s.lex,
    database: s.database,
    multiStatements:
      command === Command.COM_QUERY && (s.capabilities & CapabilityFlag.CLIENT_MULTI_STATEMENTS) !== 0,
    maxStatements: limits.maxStatementsPerQuery,
    keyPrefix: `${command}\0${s.lex.noBackslashEscapes ? 1 : 0}${s.lex.ansiQuotes ? 1 : 0}`,
  })
  if (!('tooMany' in plan)) return plan
  return overLimit(
    `the text holds ${plan.tooMany} statements, more than the ${limits.maxStatementsPerQuery} this gateway accepts in one (resources[].clients.maxStatementsPerQuery); send them in parts`,
    `(a text of ${plan.tooMany} statements, not decided)`,
  )
}

function overLimit(reason: string, text: string): OverLimit {
  return { err: limitExceeded(reason), record: { kind: 'TooLarge', text, reason } }
}
