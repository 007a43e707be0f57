// A session's server-side prepared statements (COM_STMT_PREPARE … COM_STMT_CLOSE), as the server confirmed
// them: a statement exists here only once its COM_STMT_PREPARE_OK came back (response-tracker.ts), so the
// Action decided at prepare time is what every COM_STMT_EXECUTE of that id runs. It also keeps what parsing
// an execute needs: the parameter count, and the types the last execute bound (an execute may reuse them).
import type { Action } from '../../core/index.ts'
import {
  type ComStmtExecute,
  type ParameterType,
  parseComStmtExecute,
  type StmtPrepareOk,
} from './wire/commands.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'

export interface PreparedStatement {
  statementId: number
  /** The text as prepared, with `?` placeholders, and the Action classified from it. */
  text: string
  action: Action
  paramCount: number
  columnCount: number
  boundTypes: readonly ParameterType[] | undefined
  /** The allow-cache key of its executions and the database it was made for (session.ts). */
  cacheKey: string | undefined
  cacheKeyDatabase: string | undefined
  /** Its action's traits each execution asks about, read once: it names a secret (parameters are not
   * shown), it changes sql_mode (read back after it), it only reads, its rows carry stored credentials. */
  secret: boolean
  changesSqlMode: boolean
  readOnly: boolean
  showsCredentials: boolean
}

/** MariaDB's own default of max_prepared_stmt_count is 16 382 for the whole server; one session of the
 * gateway keeps far fewer. */
const DEFAULT_MAX_STATEMENTS = 1024

export class PreparedStatements {
  readonly #max: number
  readonly #byId = new Map<number, PreparedStatement>()
  #pending: { text: string; action: Action } | undefined

  constructor(maxStatements = DEFAULT_MAX_STATEMENTS) {
    this.#max = maxStatements
  }

  get size(): number {
    return this.#byId.size
  }

  /** Whether another statement may be prepared (the session answers an ERR itself when not). */
  get full(): boolean {
    return this.#byId.size >= this.#max
  }

  /** A COM_STMT_PREPARE went upstream; it counts once the server confirms it. */
  prepareSent(text: string, action: Action): void {
    if (this.#pending) throw new ProtocolViolation('COM_STMT_PREPARE while another awaits its answer')
    this.#pending = { text, action }
  }

  /** The server's COM_STMT_PREPARE_OK for the pending prepare. */
  prepared(ok: StmtPrepareOk): PreparedStatement {
    const pending = this.#pending
    this.#pending = undefined
    if (!pending) throw new ProtocolViolation('COM_STMT_PREPARE_OK with no prepare sent')
    // Every execution records this statement's needs: frozen, the store serialises them once for all of
    // them (nothing changes a decided action's needs).
    for (const need of pending.action.needs) Object.freeze(need)
    Object.freeze(pending.action.needs)
    const statement: PreparedStatement = {
      statementId: ok.statementId,
      text: pending.text,
      action: pending.action,
      paramCount: ok.paramCount,
      columnCount: ok.columnCount,
      boundTypes: undefined,
      cacheKey: undefined,
      cacheKeyDatabase: undefined,
      secret: pending.action.traits.includes('contains-secret'),
      changesSqlMode: pending.action.traits.includes('sql-mode-change'),
      readOnly: pending.action.traits.includes('read-only'),
      showsCredentials: pending.action.traits.includes('shows-credentials'),
    }
    this.#byId.set(ok.statementId, statement)
    return statement
  }

  /** The server refused the pending prepare. */
  prepareFailed(): void {
    this.#pending = undefined
  }

  get(statementId: number): PreparedStatement | undefined {
    return this.#byId.get(statementId)
  }

  /** Parses a COM_STMT_EXECUTE of a known statement, remembering the types it binds; undefined for an id
   * this session never prepared (the session refuses it: the server would run nothing the gateway decided). */
  execute(payload: Buffer): { statement: PreparedStatement; execute: ComStmtExecute } | undefined {
    if (payload.length < 5) throw new ProtocolViolation('COM_STMT_EXECUTE without a statement id')
    const statement = this.#byId.get(payload.readUInt32LE(1))
    if (!statement) return undefined
    const execute = parseComStmtExecute(payload, statement.paramCount, statement.boundTypes)
    if (execute.newParamsBound) statement.boundTypes = execute.types
    return { statement, execute }
  }

  /** COM_STMT_CLOSE (no answer comes: it is gone at once). */
  close(statementId: number): void {
    this.#byId.delete(statementId)
  }

  /** COM_RESET_CONNECTION, once the server's OK comes: every statement is gone. */
  reset(): void {
    this.#byId.clear()
    this.#pending = undefined
  }
}
