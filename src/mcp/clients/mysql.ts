// The MySQL / MariaDB data-path client of the MCP tools (`query`): a mysql2 connection to the resource's own
// taskgate listener with the grant's credential, so every statement is classified, decided, held, masked and
// recorded exactly as the mariadb CLI's would be. It asks at login (a connection attribute) for taskgate's
// decisions as data in its ERR packets (protocols/mysql/errors.ts); mysql-failure.ts reads them. Values are
// bound as prepared-statement parameters (binary protocol, never spliced into the text). One connection per
// grant, kept across tool calls.
//
// MySQL has no message a server may send while a statement waits, so a statement held for a person is not
// announced: the call waits until the approver decides or the approval times out (then its denial arrives
// as data), rather than returning an approval id to wait on as the PostgreSQL client does.
import type mysql from 'mysql2'
import type { Logger } from 'pino'
import type { DataPathCredential } from '../control-plane.ts'
import type { DataPathClient, DataPathClientKind, OnHeld, QueryCall, QueryRows } from '../data-path-client.ts'
import { mysqlFailure } from './mysql-failure.ts'
import { tlsFor } from './tls-for.ts'

const CONNECT_TIMEOUT_MS = 10_000
/** The attribute protocols/mysql/errors.ts DECISION_DATA_ATTRIBUTE names (mcp may not import protocols). */
const DECISION_DATA_ATTRIBUTE = 'taskgate_decision_data'
/** Statements mysql2 keeps prepared per connection (each counts against clients.maxPreparedStatements). */
const PREPARED_STATEMENTS_KEPT = 32

export const mysqlClient: DataPathClientKind = {
  kind: 'mysql',
  label: 'MySQL',
  tools: ['query'],
  open: (credential, log) => MysqlDataPathClient.open(credential, log),
  failure: mysqlFailure,
}

interface FieldLike {
  name: string
  columnType?: number
}

export class MysqlDataPathClient implements DataPathClient {
  readonly #connection: mysql.Connection
  #closed = false

  private constructor(connection: mysql.Connection, log: Logger) {
    this.#connection = connection
    // Without an error listener a connection the gateway closes would take the process down.
    connection.on('error', (error: Error) => {
      log.debug({ err: error.message }, 'data path connection failed')
      this.#closed = true
    })
    connection.on('end', () => {
      this.#closed = true
    })
  }

  static async open(credential: DataPathCredential, log: Logger): Promise<MysqlDataPathClient> {
    const { host, port, user, password, database, certificateAuthority } = credential.connection
    // Loaded on first use: a gateway that serves no MySQL resource never pays for mysql2 at start.
    const { createConnection } = (await import('mysql2')).default
    const connection = createConnection({
      host,
      port,
      user,
      password,
      ...(database ? { database } : {}),
      connectTimeout: CONNECT_TIMEOUT_MS,
      // mysql2 verifies against `host` as the server name itself.
      ssl: (({ rejectUnauthorized, ca }) => ({
        rejectUnauthorized: rejectUnauthorized ?? true,
        ...(typeof ca === 'string' ? { ca } : {}),
      }))(tlsFor(host, certificateAuthority)),
      connectAttributes: { program_name: 'taskgate-mcp', [DECISION_DATA_ATTRIBUTE]: '1' },
      // Several statements in one `sql` run as one command, each decided by the gateway.
      multipleStatements: true,
      maxPreparedStatements: PREPARED_STATEMENTS_KEPT,
      // Exact values as text: a DECIMAL or BIGINT must not pass through a double.
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      rowsAsArray: true,
    })
    const client = new MysqlDataPathClient(connection, log)
    try {
      await new Promise<void>((resolve, reject) =>
        connection.connect((error) => (error ? reject(error) : resolve())),
      )
    } catch (error) {
      client.#closed = true
      connection.destroy()
      throw error
    }
    return client
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Runs the statement(s) and keeps at most `maxRows` rows of the last result that has columns. */
  query({ sql, params, maxRows }: QueryCall, _onHeld: OnHeld): Promise<QueryRows> {
    const options = { sql, rowsAsArray: true, ...(params?.length ? { values: params } : {}) }
    // With values: COM_STMT_PREPARE/EXECUTE, the values bound in binary. Without: one COM_QUERY.
    const command = params?.length ? this.#connection.execute(options) : this.#connection.query(options)
    const last = { fields: [] as FieldLike[], rows: [] as unknown[][], rowCount: 0, affected: 0 }
    return new Promise<QueryRows>((resolve, reject) => {
      command.on('error', reject)
      command.on('fields', (fields?: FieldLike[]) => {
        // A new result: rows are kept of the last result with columns only (memory stays bounded).
        if (fields) Object.assign(last, { fields, rows: [], rowCount: 0 })
      })
      command.on('result', (row: unknown) => {
        if (!Array.isArray(row)) {
          last.affected = (row as { affectedRows?: number }).affectedRows ?? 0
          return
        }
        last.rowCount++
        if (last.rows.length <= maxRows) last.rows.push(row.map(jsonValue))
      })
      command.on('end', () => resolve(shape(sql, last, maxRows)))
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await new Promise<void>((resolve) => this.#connection.end(() => resolve()))
  }
}

function shape(
  sql: string,
  last: { fields: FieldLike[]; rows: unknown[][]; rowCount: number; affected: number },
  maxRows: number,
): QueryRows {
  const truncated = last.rows.length > maxRows
  const returnsRows = last.fields.length > 0
  return {
    // MySQL sends no command tag: a result with columns is a SELECT, else the statement's first word.
    command: returnsRows ? 'SELECT' : (/^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? ''),
    columns: last.fields.map((f) => ({ name: f.name, type: typeName(f.columnType) })),
    rows: truncated ? last.rows.slice(0, maxRows) : last.rows,
    rowCount: returnsRows ? last.rowCount : last.affected,
    truncated,
  }
}

/** Values as JSON carries them: bytes as hex (BLOB, BINARY), everything else as mysql2 read it. */
function jsonValue(value: unknown): unknown {
  return Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : value
}

/** MySQL column type codes (dev.mysql.com/doc/dev/mysql-server/latest/field__types_8h.html) by name. */
const TYPE_NAMES: Record<number, string> = {
  0: 'decimal',
  1: 'tinyint',
  2: 'smallint',
  3: 'int',
  4: 'float',
  5: 'double',
  6: 'null',
  7: 'timestamp',
  8: 'bigint',
  9: 'mediumint',
  10: 'date',
  11: 'time',
  12: 'datetime',
  13: 'year',
  15: 'varchar',
  16: 'bit',
  245: 'json',
  246: 'decimal',
  247: 'enum',
  248: 'set',
  249: 'tinyblob',
  250: 'mediumblob',
  251: 'longblob',
  252: 'blob',
  253: 'varchar',
  254: 'char',
  255: 'geometry',
}

const typeName = (code: number | undefined): string =>
  code === undefined ? 'unknown' : (TYPE_NAMES[code] ?? `type ${code}`)
