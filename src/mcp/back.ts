// The data path of the `query` tool: a pg client connected to the resource's own taskgate listener with
// the grant's credential, so every statement is classified, decided, held, masked and recorded exactly as
// psql's would be. One connection per grant, kept across tool calls.
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import pg from 'pg'
import type { Logger } from 'pino'
import { columnTypes, typeName } from './column-values.ts'
import type { DataPathCredential } from './control-plane.ts'
import { approvalIdIn } from './data-path-errors.ts'

export interface QueryRows {
  /** The command tag's verb: SELECT, INSERT, UPDATE, ... */
  command: string
  columns: Array<{ name: string; type: string }>
  rows: unknown[][]
  /** Rows the statement returned or changed, all of them (not only those returned). */
  rowCount: number
  truncated: boolean
}

interface ResultLike {
  command: string | null
  rowCount: number | null
  fields: Array<{ name: string; dataTypeID: number }>
}

const CONNECT_TIMEOUT_MS = 10_000

export class DataPathConnection {
  readonly #client: pg.Client
  readonly #log: Logger
  #closed = false
  /** Set while a statement runs: called with the approval id when the gateway says it holds the statement. */
  #onHeld: ((approvalId: string) => void) | undefined

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
    client.on('notice', (notice) => {
      const approvalId = approvalIdIn(notice.message, notice.detail, notice.hint)
      if (approvalId) this.#onHeld?.(approvalId)
    })
  }

  static async open(credential: DataPathCredential, log: Logger): Promise<DataPathConnection> {
    const { host, port, user, password, database } = credential.connection
    const client = new pg.Client({
      host,
      port,
      user,
      password,
      ...(database ? { database } : {}),
      application_name: 'taskgate-mcp',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      ssl: tlsFor(host),
    })
    const connection = new DataPathConnection(client, log)
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
  query(
    sql: string,
    params: unknown[] | undefined,
    maxRows: number,
    onHeld: (approvalId: string) => void,
  ): Promise<QueryRows> {
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

/**
 * Always TLS: every taskgate PostgreSQL listener offers it, and a resource may refuse clients without it
 * (`clients.requireTls`, or `authMethod: password`, which sends the credential in clear). On a loopback
 * address the peer is this host, where whoever could impersonate the listener could already read its
 * key, and the listener's certificate is often the self-signed one generated at start, which no client
 * can verify: encrypt without verifying there (psql's sslmode=require). Anywhere else the credential
 * crosses a network: verify the certificate and its host name (verify-full) against Node's CA store,
 * which NODE_EXTRA_CA_CERTS extends with the CA of the certificate configured in `resources[].tls`.
 */
export function tlsFor(host: string): ConnectionOptions {
  if (isLoopback(host)) return { rejectUnauthorized: false }
  return { rejectUnauthorized: true, ...(isIP(host) ? {} : { servername: host }) }
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase()
  // 0.0.0.0 and :: as a destination mean this host (a listener bound to every address hands them out).
  if (bare === 'localhost' || bare === '::1' || bare === '::' || bare === '0.0.0.0') return true
  const v4 = bare.startsWith('::ffff:') ? bare.slice(7) : bare
  return isIP(v4) === 4 && v4.startsWith('127.')
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
