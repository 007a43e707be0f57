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

/** Where the response stands. One object of one shape, changed in place: a state object per packet was an
 * allocation each, and reading `s` across thirteen shapes a megamorphic load. `left` counts column or
 * parameter definitions still to come, `columns` the column definitions after a prepare's parameters. */
type StateName =
  | 'idle'
  | 'first'
  | 'columns'
  | 'columns-eof'
  | 'rows'
  | 'prepare'
  | 'prepare-params'
  | 'prepare-params-eof'
  | 'prepare-columns'
  | 'prepare-columns-eof'
  | 'field-list'
  | 'simple'
  | 'text'

/** Every step is one of these, whatever its kind: one hidden class with every field in one order, so the
 * relay's reads of `kind` and `done` stay monomorphic (a literal per kind made them megamorphic loads). */
class Step {
  kind: ResponseStep['kind']
  done: boolean
  binary = false
  count = 0
  ok: OkPacket | undefined = undefined
  err: ErrPacket | undefined = undefined
  eof: EofPacket | undefined = undefined
  endsResult: true | undefined = undefined
  prepared: StmtPrepareOk | undefined = undefined
  fileName: string | undefined = undefined
  text: string | undefined = undefined

  constructor(kind: ResponseStep['kind'], done: boolean) {
    this.kind = kind
    this.done = done
  }
}

/** A Step is the ResponseStep its kind names: each constructor below sets that kind's field. */
const asStep = (s: Step) => s as unknown as ResponseStep

function okStep(ok: OkPacket, done: boolean): ResponseStep {
  const s = new Step('ok', done)
  s.ok = ok
  return asStep(s)
}

function eofStep(eof: EofPacket, done: boolean, endsResult?: true): ResponseStep {
  const s = new Step('eof', done)
  s.eof = eof
  s.endsResult = endsResult
  return asStep(s)
}

function errStep(err: ErrPacket): ResponseStep {
  const s = new Step('err', true)
  s.err = err
  return asStep(s)
}

function preparedStep(prepared: StmtPrepareOk, done: boolean): ResponseStep {
  const s = new Step('prepare-ok', done)
  s.prepared = prepared
  return asStep(s)
}

function rowStep(binary: boolean): ResponseStep {
  const s = new Step('row', false)
  s.binary = binary
  return asStep(s)
}

/** Rows are most of what a server sends: one shared step each, not an object per row (never changed). */
const TEXT_ROW = rowStep(false)
const BINARY_ROW = rowStep(true)
const COLUMN = asStep(new Step('column', false))
const LAST_COLUMN = asStep(new Step('column', true))
const PARAMETER = asStep(new Step('parameter', false))
const LAST_PARAMETER = asStep(new Step('parameter', true))

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
  #s: StateName = 'idle'
  #binary = false
  #left = 0
  #columns = 0

  /** `capabilities`: those in force on the connection (CLIENT_DEPRECATE_EOF changes how results end). */
  constructor(capabilities: number) {
    this.#deprecateEof = (capabilities & CapabilityFlag.CLIENT_DEPRECATE_EOF) !== 0
  }

  /** Whether no response is awaited. */
  get idle(): boolean {
    return this.#s === 'idle'
  }

  /** The client sent `command`; returns whether the server answers it at all (COM_STMT_CLOSE and
   * COM_QUIT get no answer). */
  begin(command: number): boolean {
    if (this.#s !== 'idle') throw new ProtocolViolation('a command before the previous one was answered')
    if (command === Command.COM_STMT_CLOSE || command === Command.COM_QUIT) return false
    if (command === Command.COM_QUERY) this.#to('first', false)
    else if (command === Command.COM_STMT_EXECUTE) this.#to('first', true)
    else if (command === Command.COM_STMT_FETCH) this.#to('rows', true)
    else if (command === Command.COM_STMT_PREPARE) this.#s = 'prepare'
    else if (command === Command.COM_FIELD_LIST) this.#s = 'field-list'
    else if (command === Command.COM_STATISTICS) this.#s = 'text'
    else if (SIMPLE.has(command)) this.#s = 'simple'
    else throw new ProtocolViolation(`no response shape known for command 0x${command.toString(16)}`)
    return true
  }

  /** A result's rows arrive now: each packet that is a row (isRowPacket) leaves the state as it is, so a
   * caller may relay a run of them without telling the tracker (packet() would answer each with a row step). */
  get inRows(): boolean {
    return this.#s === 'rows'
  }

  /** A result's column definitions arrive now: any packet is one (the server sends no ERR among them), so a
   * caller that reads none may count it with column() instead of packet(payload), which answers the same. */
  get inColumns(): boolean {
    return this.#s === 'columns'
  }

  /** A column definition of a result, read by nobody (inColumns): what packet() does with it. */
  column(): void {
    if (this.#s !== 'columns') throw new ProtocolViolation('a column definition out of place')
    if (this.#left > 1) this.#left--
    else this.#s = this.#deprecateEof ? 'rows' : 'columns-eof'
  }

  /** One server packet's payload, in order. Throws ProtocolViolation on a packet the state does not allow. */
  packet(payload: Buffer): ResponseStep {
    const s = this.#s
    const header = payload[0]
    if (s === 'idle') throw new ProtocolViolation('a server packet with no command outstanding')
    if (
      header === ResponseHeader.ERR &&
      s !== 'columns' &&
      s !== 'prepare-params' &&
      s !== 'prepare-columns'
    ) {
      this.#s = 'idle'
      return errStep(parseErrPacket(payload))
    }
    const binary = this.#binary
    switch (s) {
      case 'first':
        if (header === ResponseHeader.OK) return this.#ended(parseOkPacket(payload, this.#caps), binary)
        if (header === ResponseHeader.LOCAL_INFILE) {
          this.#s = 'simple' // the server's OK or ERR follows the client's (empty) file
          const infile = new Step('local-infile', false)
          infile.fileName = payload.subarray(1).toString('utf8')
          return asStep(infile)
        }
        return this.#columnCount(payload)
      case 'columns':
        this.column()
        return COLUMN
      case 'columns-eof': {
        const eof = this.#eof(payload)
        // A cursor was opened (COM_STMT_EXECUTE with a cursor flag): rows come by COM_STMT_FETCH.
        if (eof.statusFlags & ServerStatus.SERVER_STATUS_CURSOR_EXISTS) {
          this.#s = 'idle'
          return eofStep(eof, true)
        }
        this.#s = 'rows'
        return eofStep(eof, false)
      }
      case 'rows':
        if (header === ResponseHeader.EOF && payload.length < MAX_PACKET_PAYLOAD) {
          if (this.#deprecateEof) return this.#ended(parseOkPacket(payload, this.#caps), binary)
          const eof = this.#eof(payload)
          const more = (eof.statusFlags & ServerStatus.SERVER_MORE_RESULTS_EXISTS) !== 0
          this.#s = more ? 'first' : 'idle'
          return eofStep(eof, !more, true)
        }
        return binary ? BINARY_ROW : TEXT_ROW
      case 'prepare': {
        const prepared = parseStmtPrepareOk(payload)
        const { paramCount, columnCount } = prepared
        if (paramCount > 0) {
          this.#s = 'prepare-params'
          this.#left = paramCount
          this.#columns = columnCount
          return preparedStep(prepared, false)
        }
        return preparedStep(prepared, this.#toColumns(columnCount))
      }
      case 'prepare-params': {
        if (this.#left > 1) this.#left--
        else if (!this.#deprecateEof) this.#s = 'prepare-params-eof'
        else return this.#toColumns(this.#columns) ? LAST_PARAMETER : PARAMETER
        return PARAMETER
      }
      case 'prepare-params-eof': {
        const eof = this.#eof(payload)
        return eofStep(eof, this.#toColumns(this.#columns))
      }
      case 'prepare-columns': {
        if (this.#left > 1) this.#left--
        else this.#s = this.#deprecateEof ? 'idle' : 'prepare-columns-eof'
        return this.#s === 'idle' ? LAST_COLUMN : COLUMN
      }
      case 'prepare-columns-eof':
        this.#s = 'idle'
        return eofStep(this.#eof(payload), true)
      case 'field-list':
        if (header === ResponseHeader.EOF && payload.length < 9) {
          this.#s = 'idle'
          return eofStep(parseEofPacket(payload), true)
        }
        return COLUMN
      case 'simple':
        if (header !== ResponseHeader.OK) throw new ProtocolViolation('expected OK or ERR')
        this.#s = 'idle'
        return okStep(parseOkPacket(payload, this.#caps), true)
      case 'text': {
        this.#s = 'idle'
        const text = new Step('text', true)
        text.text = payload.toString('utf8')
        return asStep(text)
      }
    }
  }

  #to(s: StateName, binary: boolean): void {
    this.#s = s
    this.#binary = binary
  }

  get #caps(): number {
    return this.#deprecateEof ? CapabilityFlag.CLIENT_DEPRECATE_EOF : 0
  }

  /** An OK that ends a result (or a whole response): more results follow when the server says so. */
  #ended(ok: OkPacket, binary: boolean): ResponseStep {
    const more = (ok.statusFlags & ServerStatus.SERVER_MORE_RESULTS_EXISTS) !== 0
    this.#to(more ? 'first' : 'idle', binary)
    return okStep(ok, !more)
  }

  #columnCount(payload: Buffer): ResponseStep {
    const count = parseColumnCount(payload)
    if (count === 0) throw new ProtocolViolation('a result set of no columns')
    this.#s = 'columns'
    this.#left = count
    const step = new Step('column-count', false)
    step.count = count
    return asStep(step)
  }

  #eof(payload: Buffer): EofPacket {
    if (payload[0] !== ResponseHeader.EOF || payload.length >= 9) throw new ProtocolViolation('expected EOF')
    return parseEofPacket(payload)
  }

  /** After the parameter definitions: the column definitions, if any; returns whether the response is done. */
  #toColumns(columns: number): boolean {
    this.#s = columns > 0 ? 'prepare-columns' : 'idle'
    this.#left = columns
    return columns === 0
  }
}
