// LISTEN on a dedicated connection (a pooled one would be handed to queries and lose its LISTENs).
// If that connection drops, it reconnects with backoff and listens again; notifications sent while it
// was down are lost, so consumers must not rely on them alone (core also sweeps on a timer).
import pg from 'pg'
import { STORE_CHANNELS } from '../channel-listeners.ts'
import type { StoreChannel } from '../store.ts'
import { toStoreError } from './database.ts'

/** PostgreSQL channel names are shared by everything in the database; ours carry a prefix. */
export const CHANNEL_PREFIX = 'taskgate_'

const RETRY_FIRST_MS = 100
const RETRY_MAX_MS = 5_000
const CONNECT_TIMEOUT_MS = 5_000

export class NotificationListener {
  readonly #url: string
  readonly #deliver: (channel: StoreChannel, payload: string) => void
  #client: pg.Client | undefined
  #retryMs = RETRY_FIRST_MS
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(url: string, deliver: (channel: StoreChannel, payload: string) => void) {
    this.#url = url
    this.#deliver = deliver
  }

  /** Connects and listens; rejects with TG_STORE_UNAVAILABLE if the first attempt fails (`connectTimeoutMs`
   * bounds it: longer than a reconnection's at start, see openPostgresStore). */
  async start(connectTimeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
    await this.#connect(connectTimeoutMs)
  }

  /** Whether the LISTEN connection is up (for health reporting and tests). */
  get connected(): boolean {
    return this.#client !== undefined
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }

  async #connect(connectTimeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: 'taskgate-listen',
    })
    client.on('error', () => this.#drop(client))
    client.on('end', () => this.#drop(client))
    client.on('notification', (message) => {
      const channel = message.channel.slice(CHANNEL_PREFIX.length) as StoreChannel
      if (message.channel.startsWith(CHANNEL_PREFIX) && STORE_CHANNELS.includes(channel)) {
        this.#deliver(channel, message.payload ?? '')
      }
    })
    try {
      await client.connect()
      for (const channel of STORE_CHANNELS) await client.query(`LISTEN ${CHANNEL_PREFIX}${channel}`)
    } catch (error) {
      await client.end().catch(() => {})
      throw toStoreError(error)
    }
    if (this.#closed) {
      await client.end().catch(() => {})
      return
    }
    this.#client = client
    this.#retryMs = RETRY_FIRST_MS
  }

  #drop(client: pg.Client): void {
    if (this.#client !== client) return
    this.#client = undefined
    client.end().catch(() => {})
    this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#timer) return
    this.#timer = setTimeout(async () => {
      this.#timer = undefined
      try {
        await this.#connect()
      } catch {
        this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS)
        this.#scheduleReconnect()
      }
    }, this.#retryMs)
    this.#timer.unref()
  }
}
