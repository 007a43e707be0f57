// The PostgreSQL data-path client of the MCP tools (`query`): a pg client connected to the resource's own
// taskgate listener with the grant's credential, so every statement is classified, decided, held, masked and
// recorded exactly as psql's would be. One connection per grant, kept across tool calls.
import pg from 'pg'
import type { Logger } from 'pino'
import { decodeDecisionData } from '../../core/index.ts'
import type { DataPathCredential } from '../control-plane.ts'
import type { DataPathClient, DataPathClientKind, OnHeld, QueryCall, QueryRows } from '../data-path-client.ts'
import { columnTypes, typeName } from './postgres-column-values.ts'
import { postgresFailure } from './postgres-failure.ts'
import { tlsFor } from './tls-for.ts'

interface ResultLike {
  command: string | null
  rowCount: number | null
  fields: Array<{ name: string; dataTypeID: number }>
}

const CONNECT_TIMEOUT_MS = 10_000

export const postgresClient: DataPathClientKind = {
  kind: 'postgres',
  label: 'PostgreSQL',
  tools: ['query'],
  open: (credential, log) => PostgresDataPathClient.open(credential, log),
  failure: postgresFailure,
}

export class PostgresDataPathClient implements DataPathClient {
  readonly #client: pg.Client
  readonly #log: Logger
  #closed = false
  /** Set while a statement runs: called with the approval id when the gateway says it holds the statement. */
  #onHeld: OnHeld | undefined

  private constructor(client: pg.Client, log: Logger) {
    this.#client = client
    this.#log = log
    // A pg.Client without an error listener takes the process down when the gateway closes the session.
    client.on('error', (error) => {
      this.#log.debug({ err: error.message }, 'data path connection failed')
      this.#closed = true
    })
    client.on('end', () => {
      this.#closed = true
    })
    // The gateway's "waiting for approval" NoticeResponse carries the hold as decision data (`routine`).
    client.on('notice', (notice) => {
      const held = decodeDecisionData(notice.routine)
      if (held?.outcome === 'approve-first' && held.approvalId) this.#onHeld?.(held.approvalId)
    })
  }

  static async open(credential: DataPathCredential, log: Logger): Promise<PostgresDataPathClient> {
    const { host, port, user, password, database, certificateAuthority } = credential.connection
    const client = new pg.Client({
      host,
      port,
      user,
      password,
      ...(database ? { database } : {}),
      application_name: 'taskgate-mcp',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      ssl: tlsFor(host, certificateAuthority),
    })
    const connection = new PostgresDataPathClient(client, log)
    try {
      await client.connect()
    } catch (error) {
      connection.#closed = true
      await client.end().catch(() => {})
      throw error
    }
    return connection
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Runs one statement (or a simple-protocol batch) and keeps at most `maxRows` rows of its last result. */
  query({ sql, params, maxRows }: QueryCall, onHeld: OnHeld): Promise<QueryRows> {
    this.#onHeld = onHeld
    const kept = new Map<ResultLike, unknown[][]>()
    const config: pg.QueryArrayConfig = {
      text: sql,
      ...(params ? { values: params } : {}),
      rowMode: 'array',
      types: columnTypes as unknown as pg.CustomTypesConfig,
    }
    const query = new pg.Query(config as pg.QueryConfig)
    // A row listener makes pg stop accumulating rows: memory stays bounded by maxRows whatever the result.
    query.on('row', (row: unknown[], builder) => {
      const result = builder as unknown as ResultLike
      const rows = kept.get(result) ?? []
      if (rows.length === 0) kept.set(result, rows)
      if (rows.length <= maxRows) rows.push(row)
    })
    return new Promise<QueryRows>((resolve, reject) => {
      query.on('error', (error: Error) => {
        this.#onHeld = undefined
        reject(error)
      })
      query.on('end', (builder) => {
        this.#onHeld = undefined
        const results = builder as unknown as ResultLike | ResultLike[]
        const all = Array.isArray(results) ? results : [results]
        const last = all.findLast((r) => r.fields.length > 0) ?? all.at(-1)
        resolve(shape(last, kept.get(last as ResultLike) ?? [], maxRows))
      })
      this.#client.query(query)
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#client.end().catch(() => {})
  }
}

function shape(result: ResultLike | undefined, rows: unknown[][], maxRows: number): QueryRows {
  const truncated = rows.length > maxRows
  return {
    command: result?.command ?? '',
    columns: (result?.fields ?? []).map((f) => ({ name: f.name, type: typeName(f.dataTypeID) })),
    rows: truncated ? rows.slice(0, maxRows) : rows,
    rowCount: result?.rowCount ?? rows.length,
    truncated,
  }
}
