// A wire-protocol client for tests that must send exactly the messages a hostile or unusual client would
// (pipelines without Sync, Flush, desynchronised names): node-postgres logs in (SCRAM and all), then its
// socket is taken over and frames are written and read by hand.
import type net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { serialize } from 'pg-protocol'

export interface Frame {
  type: string
  body: Buffer
}

export class RawPostgres implements AsyncDisposable {
  readonly #socket: net.Socket
  readonly #client: pg.Client
  #buffer: Buffer = Buffer.alloc(0)
  readonly #frames: Frame[] = []
  #closed = false
  /** The backend pid and secret the server (or gateway) announced in BackendKeyData. */
  readonly processId: number
  readonly secretKey: number

  private constructor(client: pg.Client) {
    this.#client = client
    const internals = client as unknown as {
      connection: { stream: net.Socket }
      processID: number
      secretKey: number
    }
    this.processId = internals.processID
    this.secretKey = internals.secretKey
    this.#socket = internals.connection.stream
    this.#socket.removeAllListeners('data')
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    this.#socket.on('close', () => {
      this.#closed = true
    })
  }

  static async connect(connectionString: string): Promise<RawPostgres> {
    const client = new pg.Client({ connectionString })
    client.on('error', () => {})
    await client.connect()
    return new RawPostgres(client)
  }

  send(...frames: Buffer[]): void {
    this.#socket.write(Buffer.concat(frames))
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Frames received so far and not yet taken. */
  take(): Frame[] {
    return this.#frames.splice(0)
  }

  /** Waits until `count` frames of `type` have arrived (or `timeoutMs` passed); returns and takes all. */
  async until(type: string, count = 1, timeoutMs = 20_000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs
    while (this.#frames.filter((f) => f.type === type).length < count) {
      if (Date.now() > deadline || this.#closed) {
        const got = this.#frames.map((f) => f.type).join('')
        throw new Error(`waited for ${count} '${type}', got '${got}'${this.#closed ? ' (closed)' : ''}`)
      }
      await sleep(5)
    }
    return this.take()
  }

  /** Waits `ms` and returns whatever arrived meanwhile. */
  async settle(ms = 200): Promise<Frame[]> {
    await sleep(ms)
    return this.take()
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    while (this.#buffer.length >= 5) {
      const length = this.#buffer.readInt32BE(1)
      if (this.#buffer.length < 1 + length) break
      this.#frames.push({
        type: String.fromCharCode(this.#buffer[0]!),
        body: Buffer.from(this.#buffer.subarray(5, 1 + length)),
      })
      this.#buffer = this.#buffer.subarray(1 + length)
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closed) this.#socket.end(Buffer.from([0x58, 0, 0, 0, 4]))
    await this.#client.end().catch(() => {})
  }
}

/** The SQLSTATE of an ErrorResponse frame. */
export function sqlstateOf(frame: Frame): string | undefined {
  return /C([0-9A-Z]{5})\0/.exec(frame.body.toString('latin1'))?.[1]
}

/** The frame types, in order, as one string ('1' ParseComplete, 'E' ErrorResponse, 'Z' ReadyForQuery...). */
export const typesOf = (frames: Frame[]): string => frames.map((f) => f.type).join('')

export const wire = {
  parse: (name: string, text: string) => serialize.parse({ name, text }),
  bind: (portal: string, statement: string, values: Array<string | null> = []) =>
    serialize.bind({ portal, statement, values }),
  execute: (portal = '', rows = 0) => serialize.execute({ portal, rows }),
  describe: (type: 'S' | 'P', name: string) => serialize.describe({ type, name }),
  close: (type: 'S' | 'P', name: string) => serialize.close({ type, name }),
  flush: () => serialize.flush(),
  sync: () => serialize.sync(),
  query: (text: string) => serialize.query(text),
}
