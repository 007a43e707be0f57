// The pg Pool behind the PostgreSQL store: queries, transactions and the mapping of failures to
// TaskgateErrors (by SQLSTATE class, never by message text).
import pg from 'pg'
import { TaskgateError, toTaskgateError } from '../../core/errors.ts'

export type Query = <R = Record<string, unknown>>(config: pg.QueryConfig) => Promise<QueryRows<R>>

export interface QueryRows<R> {
  rows: R[]
  rowCount: number
}

/** Advisory lock keys (two-int form): the first is taskgate's namespace ('tg'), the second the purpose. */
export const LOCK_NAMESPACE = 0x7467
export const LOCK_MIGRATIONS = 1
export const LOCK_AUDIT = 2

const CONNECT_TIMEOUT_MS = 5_000
const BUSY_WAIT_MS = 15_000

export class PgDatabase {
  readonly #pool: pg.Pool
  readonly #url: string
  #probeClient: Promise<pg.Client> | undefined
  #ended = false

  readonly #busyWaitMs: number

  /** `busyWaitMs`: how long a request waits in all for a pooled connection while every one is in use. */
  constructor(url: string, poolSize = 20, busyWaitMs = BUSY_WAIT_MS) {
    this.#busyWaitMs = busyWaitMs
    this.#url = url
    this.#pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      idleTimeoutMillis: 30_000,
      // Fail a request in bounded time when the server is gone rather than queueing it forever.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'taskgate',
    })
    // An idle client whose server went away emits here; the pool drops it and the next request
    // connects afresh (or fails with TG_STORE_UNAVAILABLE). Without a handler it would crash the process.
    this.#pool.on('error', () => {})
    // A checked-out client whose socket dies rejects its query (mapped below) and also emits 'error';
    // pg-pool listens only while the client is idle, so without this the emit would crash the process.
    this.#pool.on('connect', (client) => client.on('error', () => {}))
  }

  query: Query = async (config) => {
    const client = await this.#connect()
    try {
      const result = await client.query(config)
      client.release()
      return { rows: result.rows, rowCount: result.rowCount ?? 0 }
    } catch (error) {
      client.release(!isServerError(error))
      throw toStoreError(error)
    }
  }

  /**
   * Runs one query on a connection of its own, outside the pool: readiness asks whether the store answers,
   * and a pool saturated by a burst of logins must not make a working store look unreachable (a balancer
   * would then take every replica out at once, turning load into an outage). Queries queue on that one
   * connection; a broken one is replaced on the next call.
   */
  probe: Query = async (config) => {
    if (this.#ended) throw unreachable(new Error('the store is closed'))
    this.#probeClient ??= this.#connectProbe()
    const connecting = this.#probeClient
    let client: pg.Client
    try {
      client = await connecting
    } catch (error) {
      if (this.#probeClient === connecting) this.#probeClient = undefined
      throw unreachable(error)
    }
    try {
      const result = await client.query(config)
      return { rows: result.rows, rowCount: result.rowCount ?? 0 }
    } catch (error) {
      if (!isServerError(error)) {
        if (this.#probeClient === connecting) this.#probeClient = undefined
        void client.end().catch(() => {})
      }
      throw toStoreError(error)
    }
  }

  async #connectProbe(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: 'taskgate probe',
    })
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (error) {
      void client.end().catch(() => {})
      throw error
    }
    return client
  }

  /** Runs `fn` in BEGIN ... COMMIT on one connection; rolls back if it throws. */
  async transaction<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    const client = await this.#connect()
    // A connection that failed mid-transaction is destroyed, not returned to the pool.
    let broken = false
    const query: Query = async (config) => {
      try {
        const result = await client.query(config)
        return { rows: result.rows, rowCount: result.rowCount ?? 0 }
      } catch (error) {
        if (!isServerError(error)) broken = true
        throw toStoreError(error)
      }
    }
    try {
      await query({ text: 'BEGIN' })
      const value = await fn(query)
      await query({ text: 'COMMIT' })
      client.release()
      return value
    } catch (error) {
      if (!broken) {
        await client.query('ROLLBACK').catch(() => {
          broken = true
        })
      }
      client.release(broken)
      // Errors from queries are already mapped; anything else was thrown by `fn` itself (a bug).
      throw toTaskgateError(error)
    }
  }

  /**
   * Like transaction(), on a connection of its own opened with `connectTimeoutMs` and closed after: the
   * start-up migration waits for a store slow to accept (a backend fork on a loaded host can take longer than
   * a request's 5 s) instead of the process exiting, while a refused connection, a missing database or a
   * refused login still fail at once.
   */
  async transactionOnOwnConnection<T>(
    fn: (query: Query) => Promise<T>,
    connectTimeoutMs: number,
  ): Promise<T> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      application_name: 'taskgate',
    })
    client.on('error', () => {})
    try {
      await client.connect()
    } catch (error) {
      void client.end().catch(() => {})
      throw unreachable(error)
    }
    const query: Query = async (config) => {
      try {
        const result = await client.query(config)
        return { rows: result.rows, rowCount: result.rowCount ?? 0 }
      } catch (error) {
        throw toStoreError(error)
      }
    }
    try {
      await query({ text: 'BEGIN' })
      const value = await fn(query)
      await query({ text: 'COMMIT' })
      return value
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw toTaskgateError(error)
    } finally {
      await client.end().catch(() => {})
    }
  }

  async close(): Promise<void> {
    if (this.#ended) return
    this.#ended = true
    const probe = this.#probeClient
    this.#probeClient = undefined
    await probe?.then((c) => c.end()).catch(() => {})
    await this.#pool.end()
  }

  async #connect(): Promise<pg.PoolClient> {
    const started = Date.now()
    for (;;) {
      try {
        return await this.#pool.connect()
      } catch (error) {
        // Every connection open and in use when the wait ended: the server is reachable and busy (a long lock,
        // a burst of logins). Saturation is not an outage: wait on, up to busyWaitMs in all, then say so.
        // So is a new connection that timed out opening (the server accepted it and was slow to start a
        // backend, as on a loaded host): a replica starting again there exited on its first queries. Told
        // apart by what it lacks: no server error (a missing database, a refused login) and no socket error
        // code (ECONNREFUSED, ENOTFOUND...), which fail at once. Not by elapsed time: pg-pool may hand this
        // waiter the timeout of a connection another request began earlier.
        const slow = !isServerError(error) && (error as NodeJS.ErrnoException).code === undefined
        if (slow && Date.now() - started + CONNECT_TIMEOUT_MS <= this.#busyWaitMs) continue
        if (this.#pool.totalCount >= this.#pool.options.max && this.#pool.idleCount === 0) {
          if (Date.now() - started + CONNECT_TIMEOUT_MS <= this.#busyWaitMs) continue
          throw new TaskgateError('TG_STORE_BUSY', {
            detail: `no free store connection within ${Date.now() - started} ms (pool of ${this.#pool.options.max}): ${String(error)}`,
            cause: error,
          })
        }
        throw unreachable(error)
      }
    }
  }
}

function unreachable(error: unknown): TaskgateError {
  return new TaskgateError('TG_STORE_UNAVAILABLE', {
    message: 'The gateway cannot reach its PostgreSQL store and denies access until it can.',
    detail: `connect: ${String(error)}`,
    cause: error,
  })
}

const isServerError = (error: unknown): error is pg.DatabaseError => error instanceof pg.DatabaseError

// SQLSTATE classes meaning "the store is not usable now" (postgresql.org/docs/current/errcodes-appendix.html):
// 08 connection exception, 28 invalid authorization, 3D invalid catalog name, 53 insufficient resources,
// 57 operator intervention (shutdown, cancel), 58 system error.
const UNAVAILABLE_CLASSES = new Set(['08', '28', '3D', '53', '57', '58'])
const STORE_PROBLEMS: Partial<Record<string, string>> = {
  '25006': 'is read-only', // read_only_sql_transaction (a standby, default_transaction_read_only)
  '53100': 'is full (disk_full)',
  '53200': 'is out of memory',
  '57P01': 'was shut down',
  '57P03': 'is starting up or shutting down',
}

export function toStoreError(error: unknown): TaskgateError {
  if (error instanceof TaskgateError) return error
  const options = { detail: String(error), cause: error }
  if (isServerError(error)) {
    const code = error.code ?? ''
    if (code === '23505') return new TaskgateError('TG_ALREADY_EXISTS', options)
    // 55P03 lock_not_available, 57014 query_canceled (statement_timeout): the store works, it is busy.
    if (code === '55P03' || code === '57014') return new TaskgateError('TG_STORE_BUSY', options)
    const problem = STORE_PROBLEMS[code]
    if (problem)
      return new TaskgateError('TG_STORE_UNAVAILABLE', {
        ...options,
        message: `The PostgreSQL store ${problem}; the gateway denies access until it can write again.`,
      })
    const sqlClass = code.slice(0, 2)
    if (UNAVAILABLE_CLASSES.has(sqlClass)) return new TaskgateError('TG_STORE_UNAVAILABLE', options)
    if (sqlClass === '22' || sqlClass === '23') return new TaskgateError('TG_REQUEST_INVALID', options)
    return new TaskgateError('TG_INTERNAL', options)
  }
  // A bug of ours (a value pg cannot serialize, a listener that threw) is internal; anything else that
  // is not a server answer is the connection failing under us (reset, terminated, timed out).
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) {
    return new TaskgateError('TG_INTERNAL', options)
  }
  return new TaskgateError('TG_STORE_UNAVAILABLE', options)
}
