// Follows the server's side of the command phase packet by packet, so the relay knows what each packet is
// (a column definition, a row, the end of a result) and when a command's response is complete: the point
// where the next command may go upstream, where a held statement's turn comes, where USE or a prepared
// statement takes effect (only on the server's confirmation). Pure: it reads payloads the relay framed and
// never changes them. It reads only what the relay's state needs: column definitions are parsed by whoever
// needs them (masking, credential redaction), rows are told apart from a result's end by their first byte
// and length alone (isRowPacket), so an unmasked result costs no decoding
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response.html,
// .../page_protocol_com_stmt_prepare.html#sect_protocol_com_stmt_prepare_response).
import { parseColumnCount } from './wire/column-definition.ts'
import { parseStmtPrepareOk, type StmtPrepareOk } from './wire/commands.ts'
import { CapabilityFlag, Command, ResponseHeader, ServerStatus } from './wire/constants.ts'
import {
  type EofPacket,
  type ErrPacket,
  type OkPacket,
  parseEofPacket,
  parseErrPacket,
  parseOkPacket,
} from './wire/generic-responses.ts'
import { MAX_PACKET_PAYLOAD } from './wire/packet-reader.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'

/** What one server packet was. `done` marks the last packet of the command's response. */
export type ResponseStep =
  | { kind: 'ok'; ok: OkPacket; done: boolean }
  | { kind: 'err'; err: ErrPacket; done: true }
  | { kind: 'column-count'; count: number; done: false }
  /** A column definition (parseColumnDefinition41 reads the payload when needed). With CLIENT_DEPRECATE_EOF
   * the last definition of a prepare response ends it. */
  | { kind: 'column'; done: boolean }
  | { kind: 'parameter'; done: boolean }
  | { kind: 'prepare-ok'; prepared: StmtPrepareOk; done: boolean }
  /** `endsResult`: the EOF after a result's rows (not the one after its column definitions). */
  | { kind: 'eof'; eof: EofPacket; done: boolean; endsResult?: true }
  | { kind: 'row'; binary: boolean; done: false }
  /** 0xFB: the server asks the client for a file (LOAD DATA LOCAL). The gateway never negotiates
   * CLIENT_LOCAL_FILES, so this is a server that ignored it: the relay must not forward it. */
  | { kind: 'local-infile'; fileName: string; done: false }
  | { kind: 'text'; text: string; done: true }

type State =
  | { s: 'idle' }
  | { s: 'first'; binary: boolean }
  | { s: 'columns'; left: number; binary: boolean }
  | { s: 'columns-eof'; binary: boolean }
  | { s: 'rows'; binary: boolean }
  | { s: 'prepare' }
  | { s: 'prepare-params'; left: number; columns: number }
  | { s: 'prepare-params-eof'; columns: number }
  | { s: 'prepare-columns'; left: number }
  | { s: 'prepare-columns-eof' }
  | { s: 'field-list' }
  | { s: 'simple' }
  | { s: 'text' }

/** Rows are most of what a server sends: one shared step each, not an object per row. */
const TEXT_ROW: ResponseStep = Object.freeze({ kind: 'row', binary: false, done: false })
const BINARY_ROW: ResponseStep = Object.freeze({ kind: 'row', binary: true, done: false })
const COLUMN: ResponseStep = Object.freeze({ kind: 'column', done: false })
const LAST_COLUMN: ResponseStep = Object.freeze({ kind: 'column', done: true })
const PARAMETER: ResponseStep = Object.freeze({ kind: 'parameter', done: false })
const LAST_PARAMETER: ResponseStep = Object.freeze({ kind: 'parameter', done: true })

/** While rows arrive (ResponseTracker.inRows): whether a packet that starts with `header` and is `length`
 * (> 0) bytes long is a row, not the ERR or EOF/OK that ends the result. */
export function isRowPacket(header: number, length: number): boolean {
  return header !== ResponseHeader.ERR && (header !== ResponseHeader.EOF || length >= MAX_PACKET_PAYLOAD)
}

/** Commands the server answers with OK or ERR alone. */
const SIMPLE = new Set<number>([
  Command.COM_INIT_DB,
  Command.COM_PING,
  Command.COM_STMT_RESET,
  Command.COM_RESET_CONNECTION,
  Command.COM_SET_OPTION,
])

export class ResponseTracker {
  readonly #deprecateEof: boolean
  #state: State = { s: 'idle' }

  /** `capabilities`: those in force on the connection (CLIENT_DEPRECATE_EOF changes how results end). */
  constructor(capabilities: number) {
    this.#deprecateEof = (capabilities & CapabilityFlag.CLIENT_DEPRECATE_EOF) !== 0
  }

  /** Whether no response is awaited. */
  get idle(): boolean {
    return this.#state.s === 'idle'
  }

  /** The client sent `command`; returns whether the server answers it at all (COM_STMT_CLOSE and
   * COM_QUIT get no answer). */
  begin(command: number): boolean {
    if (this.#state.s !== 'idle')
      throw new ProtocolViolation('a command before the previous one was answered')
    if (command === Command.COM_STMT_CLOSE || command === Command.COM_QUIT) return false
    if (command === Command.COM_QUERY) this.#state = { s: 'first', binary: false }
    else if (command === Command.COM_STMT_EXECUTE) this.#state = { s: 'first', binary: true }
    else if (command === Command.COM_STMT_FETCH) this.#state = { s: 'rows', binary: true }
    else if (command === Command.COM_STMT_PREPARE) this.#state = { s: 'prepare' }
    else if (command === Command.COM_FIELD_LIST) this.#state = { s: 'field-list' }
    else if (command === Command.COM_STATISTICS) this.#state = { s: 'text' }
    else if (SIMPLE.has(command)) this.#state = { s: 'simple' }
    else throw new ProtocolViolation(`no response shape known for command 0x${command.toString(16)}`)
    return true
  }

  /** A result's rows arrive now: each packet that is a row (isRowPacket) leaves the state as it is, so a
   * caller may relay a run of them without telling the tracker (packet() would answer each with a row step). */
  get inRows(): boolean {
    return this.#state.s === 'rows'
  }

  /** One server packet's payload, in order. Throws ProtocolViolation on a packet the state does not allow. */
  packet(payload: Buffer): ResponseStep {
    const state = this.#state
    const header = payload[0]
    if (state.s === 'idle') throw new ProtocolViolation('a server packet with no command outstanding')
    if (
      header === ResponseHeader.ERR &&
      state.s !== 'columns' &&
      state.s !== 'prepare-params' &&
      state.s !== 'prepare-columns'
    ) {
      this.#state = { s: 'idle' }
      return { kind: 'err', err: parseErrPacket(payload), done: true }
    }
    switch (state.s) {
      case 'first':
        if (header === ResponseHeader.OK) return this.#ended(parseOkPacket(payload, this.#caps), state.binary)
        if (header === ResponseHeader.LOCAL_INFILE) {
          this.#state = { s: 'simple' } // the server's OK or ERR follows the client's (empty) file
          return { kind: 'local-infile', fileName: payload.subarray(1).toString('utf8'), done: false }
        }
        return this.#columnCount(payload, state.binary)
      case 'columns':
        this.#state =
          state.left > 1
            ? { s: 'columns', left: state.left - 1, binary: state.binary }
            : this.#deprecateEof
              ? { s: 'rows', binary: state.binary }
              : { s: 'columns-eof', binary: state.binary }
        return COLUMN
      case 'columns-eof': {
        const eof = this.#eof(payload)
        // A cursor was opened (COM_STMT_EXECUTE with a cursor flag): rows come by COM_STMT_FETCH.
        if (eof.statusFlags & ServerStatus.SERVER_STATUS_CURSOR_EXISTS) {
          this.#state = { s: 'idle' }
          return { kind: 'eof', eof, done: true }
        }
        this.#state = { s: 'rows', binary: state.binary }
        return { kind: 'eof', eof, done: false }
      }
      case 'rows':
        if (header === ResponseHeader.EOF && payload.length < MAX_PACKET_PAYLOAD) {
          if (this.#deprecateEof) return this.#ended(parseOkPacket(payload, this.#caps), state.binary)
          const eof = this.#eof(payload)
          const more = (eof.statusFlags & ServerStatus.SERVER_MORE_RESULTS_EXISTS) !== 0
          this.#state = more ? { s: 'first', binary: state.binary } : { s: 'idle' }
          return { kind: 'eof', eof, done: !more, endsResult: true }
        }
        return state.binary ? BINARY_ROW : TEXT_ROW
      case 'prepare': {
        const prepared = parseStmtPrepareOk(payload)
        const { paramCount, columnCount } = prepared
        if (paramCount > 0) {
          this.#state = { s: 'prepare-params', left: paramCount, columns: columnCount }
          return { kind: 'prepare-ok', prepared, done: false }
        }
        return { kind: 'prepare-ok', prepared, done: this.#toColumns(columnCount) }
      }
      case 'prepare-params': {
        if (state.left > 1)
          this.#state = { s: 'prepare-params', left: state.left - 1, columns: state.columns }
        else if (!this.#deprecateEof) this.#state = { s: 'prepare-params-eof', columns: state.columns }
        else return this.#toColumns(state.columns) ? LAST_PARAMETER : PARAMETER
        return PARAMETER
      }
      case 'prepare-params-eof': {
        const eof = this.#eof(payload)
        return { kind: 'eof', eof, done: this.#toColumns(state.columns) }
      }
      case 'prepare-columns': {
        this.#state =
          state.left > 1
            ? { s: 'prepare-columns', left: state.left - 1 }
            : this.#deprecateEof
              ? { s: 'idle' }
              : { s: 'prepare-columns-eof' }
        return this.#state.s === 'idle' ? LAST_COLUMN : COLUMN
      }
      case 'prepare-columns-eof':
        this.#state = { s: 'idle' }
        return { kind: 'eof', eof: this.#eof(payload), done: true }
      case 'field-list':
        if (header === ResponseHeader.EOF && payload.length < 9) {
          this.#state = { s: 'idle' }
          return { kind: 'eof', eof: parseEofPacket(payload), done: true }
        }
        return COLUMN
      case 'simple':
        if (header !== ResponseHeader.OK) throw new ProtocolViolation('expected OK or ERR')
        this.#state = { s: 'idle' }
        return { kind: 'ok', ok: parseOkPacket(payload, this.#caps), done: true }
      case 'text':
        this.#state = { s: 'idle' }
        return { kind: 'text', text: payload.toString('utf8'), done: true }
    }
  }

  get #caps(): number {
    return this.#deprecateEof ? CapabilityFlag.CLIENT_DEPRECATE_EOF : 0
  }

  /** An OK that ends a result (or a whole response): more results follow when the server says so. */
  #ended(ok: OkPacket, binary: boolean): ResponseStep {
    const more = (ok.statusFlags & ServerStatus.SERVER_MORE_RESULTS_EXISTS) !== 0
    this.#state = more ? { s: 'first', binary } : { s: 'idle' }
    return { kind: 'ok', ok, done: !more }
  }

  #columnCount(payload: Buffer, binary: boolean): ResponseStep {
    const count = parseColumnCount(payload)
    if (count === 0) throw new ProtocolViolation('a result set of no columns')
    this.#state = { s: 'columns', left: count, binary }
    return { kind: 'column-count', count, done: false }
  }

  #eof(payload: Buffer): EofPacket {
    if (payload[0] !== ResponseHeader.EOF || payload.length >= 9) throw new ProtocolViolation('expected EOF')
    return parseEofPacket(payload)
  }

  /** After the parameter definitions: the column definitions, if any; returns whether the response is done. */
  #toColumns(columns: number): boolean {
    this.#state = columns > 0 ? { s: 'prepare-columns', left: columns } : { s: 'idle' }
    return columns === 0
  }
}
