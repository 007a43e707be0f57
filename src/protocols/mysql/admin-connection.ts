// A small text-protocol client over back.ts and the codec, for the gateway's own administrative statements
// (provisioner.ts): one statement at a time, results read whole. Not for client traffic, which is relayed.
import { TaskgateError } from '../../core/index.ts'
import {
  connectUpstream,
  type MysqlTarget,
  type Upstream,
  type UpstreamLogin,
  type UpstreamSessionOptions,
} from './back.ts'
import { type ColumnDefinition41, parseColumnDefinition41 } from './wire/column-definition.ts'
import { encodeTextCommand } from './wire/commands.ts'
import { Command } from './wire/constants.ts'
import {
  isEofPacket,
  isErrPacket,
  isOkPacket,
  parseErrPacket,
  parseOkPacket,
} from './wire/generic-responses.ts'
import { encodePacket, PacketReader } from './wire/packet-reader.ts'
import { parseTextRow } from './wire/result-rows.ts'

/** An ERR the server answered a statement with; `errorCode` is the server's number (1396: the account
 * does not exist, 1094: no such thread, …). */
export class MysqlServerError extends Error {
  readonly errorCode: number
  readonly sqlState: string
  constructor(errorCode: number, sqlState: string, message: string) {
    super(message)
    this.name = 'MysqlServerError'
    this.errorCode = errorCode
    this.sqlState = sqlState
  }
}

export interface QueryResult {
  rows: (string | null)[][]
  affectedRows: number
  /** The result's column definitions (none for an OK). */
  columns: ColumnDefinition41[]
}

/** Results the gateway reads about its own accounts are small; a bigger one is a mistake, not data. */
const MAX_ADMIN_RESULT_BYTES = 16 * 1024 * 1024

export class AdminConnection {
  readonly #upstream: Upstream
  readonly #reader = new PacketReader(MAX_ADMIN_RESULT_BYTES)
  #packets: Buffer[] = []
  #waiter: (() => void) | undefined
  #closed: Error | undefined

  private constructor(upstream: Upstream) {
    this.#upstream = upstream
    upstream.socket.on('data', (chunk: Buffer) => {
      try {
        this.#packets.push(...this.#reader.push(chunk).map((p) => p.payload))
      } catch (error) {
        this.#closed ??= error as Error
        upstream.socket.destroy()
      }
      this.#wake()
    })
    upstream.socket.on('close', () => {
      this.#closed ??= new Error('the admin connection closed')
      this.#wake()
    })
    upstream.socket.on('error', (error: Error) => {
      this.#closed ??= error
      this.#wake()
    })
    upstream.socket.resume()
  }

  static async open(
    target: MysqlTarget,
    login: UpstreamLogin,
    session?: UpstreamSessionOptions,
  ): Promise<AdminConnection> {
    return new AdminConnection(await connectUpstream(target, login, session))
  }

  /** Closes at once, whatever is in flight (a timed-out statement). */
  destroy(): void {
    this.#upstream.socket.destroy()
  }

  /** Runs one statement; rejects with MysqlServerError on an ERR. */
  async query(sql: string): Promise<QueryResult> {
    this.#upstream.socket.write(encodePacket(encodeTextCommand(Command.COM_QUERY, sql), 0).bytes)
    const first = await this.#next()
    if (isErrPacket(first)) {
      const err = parseErrPacket(first)
      throw new MysqlServerError(err.errorCode, err.sqlState, err.message)
    }
    if (isOkPacket(first))
      return {
        rows: [],
        affectedRows: parseOkPacket(first, this.#upstream.capabilities).affectedRows,
        columns: [],
      }
    const count = first[0]!
    const columns: ColumnDefinition41[] = []
    for (let i = 0; i < count; i++) columns.push(parseColumnDefinition41(await this.#next()))
    await this.#next() // EOF after the definitions (CLIENT_DEPRECATE_EOF is never asked for here)
    const rows: (string | null)[][] = []
    for (;;) {
      const packet = await this.#next()
      if (isEofPacket(packet)) return { rows, affectedRows: 0, columns }
      if (isErrPacket(packet)) {
        const err = parseErrPacket(packet)
        throw new MysqlServerError(err.errorCode, err.sqlState, err.message)
      }
      rows.push(parseTextRow(packet, count).map((c) => (c === null ? null : c.toString('utf8'))))
    }
  }

  close(): void {
    this.#upstream.socket.end(encodePacket(Buffer.from([Command.COM_QUIT]), 0).bytes)
  }

  async #next(): Promise<Buffer> {
    for (;;) {
      const packet = this.#packets.shift()
      if (packet !== undefined) return packet
      if (this.#closed)
        throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
          detail: String(this.#closed),
          cause: this.#closed,
        })
      await new Promise<void>((resolve) => {
        this.#waiter = resolve
      })
    }
  }

  #wake(): void {
    const w = this.#waiter
    this.#waiter = undefined
    w?.()
  }
}
