// Upstream -> client: everything passes as it came except the ErrorResponse a denial provoked, which is
// replaced by the gateway's 42501, and values masking rules match (mask-rows.ts), which are rewritten before
// they leave. Read: the frames that end a statement (CommandComplete, ErrorResponse, EmptyQueryResponse,
// PortalSuspended, ReadyForQuery), the ones that describe or carry results (RowDescription, NoData,
// DataRow, CopyOutResponse, CopyData, CopyDone) and NoticeResponse. A DataRow is decoded only for the
// recording's first rows and for the columns a rule matches; every other row leaves as its own bytes.
import { DECISION_DATA_MARKER, type MaskingContext } from '../../core/index.ts'
import { ColumnOrigins, prepareReferences, referencesMaskedColumn } from './column-origins.ts'
import { type CopyTo, copiesTo } from './copy-statement.ts'
import { maskingRefused } from './errors.ts'
import { ErrorMasker, serializeFields } from './mask-errors.ts'
import {
  type ColumnShape,
  columnShape,
  type DescribedColumn,
  type ResultSample,
  RowMasker,
  SAMPLE_ROWS,
} from './mask-rows.ts'
import type { PendingResponse, PendingResponses, StatementInfo } from './pending-responses.ts'
import type { ResultTracker } from './result-tracker.ts'
import type { StatementNamespace } from './statement-namespace.ts'
import type { StatementReads } from './statement-reads.ts'
import type { TableCatalog } from './table-catalog.ts'
import type { CopyTextOptions } from './wire/copy-rows.ts'
import { DROP, type FrameSink, KEEP, PAUSE, type Verdict } from './wire/frame-scanner.ts'
import { parseCopyOutResponse, parseRowDescription, type RowField } from './wire/row-messages.ts'
import { parseCommandCompleteRows, parseErrorFields, serializeErrorResponse } from './wire/server-messages.ts'

export const SERVER_TYPES_READ = 'CEIsZTnDHcN123G'
const DATA_ROW = 0x44
const MAX_KEPT_DESCRIPTION = 4096
const COPY_DATA = 0x64

export interface Completed {
  statement: StatementInfo | undefined
  /** The seq of the start record this outcome completes (an Execute's own; else the statement's). */
  seq: number | undefined
  durationMs: number
  rowCount?: number
  error?: string
  /** The first rows of the first result, as the client got them (masked). */
  result?: ResultSample
  /** `column/detector` -> values masked. */
  masked?: Record<string, number>
}

export interface ServerFramesDeps {
  pending: PendingResponses
  tracker: ResultTracker
  /** The session's prepared statements and portals: changed here, as the server confirms each change. */
  namespace: StatementNamespace
  /** A Sync or Query is answered: what waited for the server's answer may go on. */
  settled?(): void
  record(completed: Completed): void
  now(): number
  /** The rules in force for this session; undefined when none applies. */
  masking?: MaskingContext | undefined
  /** Table and column names, COPY columns (table-catalog.ts); without it, tables stay unknown: qualified
   * rules then match by column name alone (fail closed), but aliases and expressions are not traced. */
  catalog?: TableCatalog | undefined
  /** Offers the frame a PAUSE stopped at again, once what it waited for is known. */
  resume(): void
  /** Starts or stops reading frames of a type: rows nothing will read pass as bytes, uninspected. */
  interest?(type: number, on: boolean): void
}

/** What a COPY TO being answered needs, learnt before its CopyOutResponse goes on. */
type CopyLookup =
  | {
      columns: DescribedColumn[]
      options: CopyTextOptions
      header: boolean
      binary: boolean
      foreignEncoding: boolean
    }
  | { refused: string }

export class ServerFrames implements FrameSink {
  readonly #deps: ServerFramesDeps
  readonly #errors: ErrorMasker | undefined
  readonly #origins: ColumnOrigins | undefined
  /** The result set being answered. */
  #rows: RowMasker | undefined
  /** The last RowDescription and its parse (#parseRowDescription). */
  #lastDescription: { bytes: Buffer; fields: readonly RowField[] } | undefined
  /** The columns #describe made of the last fields, when no masking rule traces origins. */
  #lastDescribed: { fields: readonly RowField[]; columns: DescribedColumn[] } | undefined
  /** The last result's column shape (mask-rows.ts), reused while the columns are the same array. */
  #lastShape: ColumnShape | undefined
  #copy: { options: CopyTextOptions; header: boolean } | undefined
  /** What the statement being answered will be recorded with. */
  #sample: ResultSample | undefined
  #masked: Record<string, number> = {}
  #refusal: string | undefined
  /** COPY TO statements answered so far in this statement text (a Query may hold several). */
  #copyIndex = 0
  #copyLookup: { index: number; statement: string; result: CopyLookup } | undefined
  /** The COPY TO statements of the last text that had one. */
  #copies: { text: string; list: ReadonlyArray<CopyTo | undefined> | undefined } | undefined
  /** After a refusal, the rest of the response up to ReadyForQuery is dropped. */
  #discarding = false
  /** The upstream said FATAL: it will close, and the client already has the reason. */
  sentFatal = false
  /** The transaction status of the last ReadyForQuery ('I' idle, 'T' in a transaction, 'E' failed one). */
  readyStatus: number | undefined

  constructor(deps: ServerFramesDeps) {
    this.#deps = deps
    this.#errors = deps.masking && new ErrorMasker(deps.masking)
    this.#origins = ColumnOrigins.for(deps.masking, deps.catalog)
    deps.pending.onSkipped = (item) => this.#skipped(item)
  }

  pass(): void {
    throw new Error('ServerFrames does not write; see session.ts')
  }

  frame(type: number, frame: Buffer): Verdict {
    const discarding = this.#discarding
    const verdict = this.#frame(type, frame)
    return discarding && verdict !== PAUSE && type !== 0x5a ? DROP : verdict
  }

  #frame(type: number, frame: Buffer): Verdict {
    const pending = this.#deps.pending
    const head = pending.peek()
    switch (type) {
      case 0x54:
        return this.#rowDescription(frame)
      case 0x44:
        return this.#dataRow(frame)
      case 0x6e: // NoData
        this.#deps.tracker.noData()
        if (head?.type === 'describe') pending.shift()
        return KEEP
      case 0x47: // CopyInResponse: the server reads COPY data now and ignores the Syncs sent meanwhile.
        if (head?.type === 'execute' || head?.type === 'query') {
          this.#deps.tracker.copyIn()
          pending.dropSyncsDuring(head, (sync) => {
            if (sync.type === 'sync') this.#deps.namespace.settled(sync.parsed)
          })
        }
        return KEEP
      case 0x31: // ParseComplete
        if (head?.type === 'parse') {
          pending.shift()
          this.#deps.namespace.prepared(head.name, head.statement)
        }
        return KEEP
      case 0x32: // BindComplete
        this.#deps.tracker.bindComplete()
        if (head?.type === 'bind') {
          pending.shift()
          this.#deps.namespace.bound(head.portal, head.statement)
        }
        return KEEP
      case 0x33: // CloseComplete
        if (head?.type === 'close') {
          pending.shift()
          if (head.target === 'S') this.#deps.namespace.deallocated(head.name)
          else this.#deps.namespace.portalClosed(head.name)
        }
        return KEEP
      case 0x48:
        return this.#copyOut(frame)
      case 0x64: // CopyData
        return this.#copyData(frame)
      case 0x63: // CopyDone
        this.#copy = undefined
        if (!this.#discarding) this.#deps.interest?.(COPY_DATA, false)
        return KEEP
      case 0x4e:
        return this.#targetFields(0x4e, parseErrorFields(frame)) ?? KEEP
      case 0x43: {
        // CommandComplete
        this.#endResult()
        this.#deps.tracker.executeDone()
        if (head?.type === 'execute') {
          pending.shift()
          this.#complete(head.statement, head.seq, head.startedAt, parseCommandCompleteRows(frame))
        } else if (head?.type === 'query') {
          const rows = parseCommandCompleteRows(frame)
          if (rows !== undefined) head.rows = (head.rows ?? 0) + rows
        }
        return KEEP
      }
      case 0x49: // EmptyQueryResponse
      case 0x73: // PortalSuspended
        this.#endResult()
        this.#deps.tracker.executeDone()
        if (head?.type === 'execute') {
          pending.shift()
          this.#complete(head.statement, head.seq, head.startedAt, undefined)
        }
        return KEEP
      case 0x45:
        // Whether the statement references a masked column is learnt first: after a PAUSE this frame is
        // offered again, and nothing below may have run twice.
        if (this.#lookingUpReferences(frame)) return PAUSE
        this.#endResult()
        this.#copy = undefined
        this.#deps.tracker.error()
        return this.#error(frame)
      case 0x5a:
        this.readyStatus = frame[5]
        this.#ready(frame[5])
        this.#deps.tracker.ready()
        if (frame[5] === 0x49) this.#forgetPortals()
        if (this.#discarding) this.#deps.interest?.(COPY_DATA, false)
        this.#discarding = false
        return KEEP
      default:
        return KEEP
    }
  }

  #rowDescription(frame: Buffer): Verdict {
    const fields = this.#parseRowDescription(frame)
    // Tables are resolved before the tracker moves on: after a PAUSE this frame is offered again.
    if (this.#deps.tracker.answering !== 'describe' && this.#lookingUpOrigins(fields)) return PAUSE
    const columns = this.#deps.tracker.rowDescription(fields)
    if (columns !== undefined) this.#rows = this.#maskerFor(this.#describe(columns))
    else if (this.#deps.pending.peek()?.type === 'describe') this.#deps.pending.shift()
    return KEEP
  }

  /** A session runs the same statements over and over, and the server describes each result alike: the
   * last description's bytes are kept (bounded by the frame size limit) with its fields, which are frozen
   * since every result of that shape shares them. */
  #parseRowDescription(frame: Buffer): readonly RowField[] {
    const last = this.#lastDescription
    if (last?.bytes.equals(frame)) return last.fields
    const fields = Object.freeze(parseRowDescription(frame).map((f) => Object.freeze(f)))
    // Kept only when small: a result of thousands of columns is parsed afresh rather than copied.
    this.#lastDescription =
      frame.length <= MAX_KEPT_DESCRIPTION ? { bytes: Buffer.from(frame), fields } : undefined
    return fields
  }

  #dataRow(frame: Buffer): Verdict {
    let rows = this.#rows
    if (rows === undefined) {
      const fields = this.#deps.tracker.executeColumns()
      if (fields === undefined) return this.#undescribedRow(frame)
      if (this.#lookingUpOrigins(fields)) return PAUSE
      rows = this.#rows = this.#maskerFor(this.#describe(fields))
    }
    if (!rows.masks && !rows.sampling) {
      // The rest of this result passes as it came, without a call per row; read again at its end.
      if (!this.#discarding) this.#deps.interest?.(DATA_ROW, false)
      return KEEP
    }
    const out = rows.dataRow(frame)
    return out === frame ? KEEP : out
  }

  /** Rows without a description the relay saw (it always sees one): nothing of them can be trusted to a
   * plan, so under masking every value goes as NULL. */
  #undescribedRow(frame: Buffer): Verdict {
    if (this.#deps.masking === undefined) return KEEP
    const columns = frame.readInt16BE(5)
    const out = Buffer.alloc(7 + 4 * columns, 0xff)
    out[0] = 0x44
    out.writeInt32BE(out.length - 1, 1)
    out.writeInt16BE(columns, 5)
    this.#masked['?/undescribed-row'] = (this.#masked['?/undescribed-row'] ?? 0) + 1
    return out
  }

  #copyOut(frame: Buffer): Verdict {
    const masking = this.#deps.masking
    if (masking === undefined) return KEEP
    const statement = this.#statementText()
    // Compared by index and the very text (the same string object: no copy of a long text per COPY).
    const index = this.#copyIndex
    const known = this.#copyLookup
    const lookup = known?.index === index && known.statement === statement ? known.result : undefined
    if (lookup === undefined) {
      this.#await(
        this.#lookUpCopy(statement, index).then((result) => {
          this.#copyLookup = { index, statement, result }
        }),
      )
      return PAUSE
    }
    this.#copyLookup = undefined
    this.#copyIndex++
    if ('refused' in lookup) return this.#refuse(lookup.refused)
    const { format, columns } = parseCopyOutResponse(frame)
    if (columns !== lookup.columns.length) return this.#refuse('its columns could not be told apart')
    const rows = this.#maskerFor(lookup.columns)
    this.#rows = rows
    if (!rows.masks) return KEEP
    const matched = lookup.columns.filter((_, i) => rows.plan?.masks[i] !== undefined).map((c) => c.name)
    if (format === 1 || lookup.binary)
      return this.#refuse(`masking rules match column ${matched.join(', ')} of a binary COPY`)
    if (lookup.foreignEncoding) return this.#refuse('COPY with an ENCODING other than UTF8')
    this.#copy = { options: lookup.options, header: lookup.header }
    this.#deps.interest?.(COPY_DATA, true)
    return KEEP
  }

  async #lookUpCopy(statement: string, index: number): Promise<CopyLookup> {
    const copy = this.#copiesOf(statement)?.[index]
    const catalog = this.#deps.catalog
    if (copy === undefined || catalog === undefined) return { refused: 'its columns could not be learnt' }
    try {
      if (copy.relation) return { ...copy, columns: await catalog.tableColumns(copy.relation, copy.columns) }
      // COPY (query) TO: the query's columns and their origins, as for a SELECT's RowDescription. What the
      // whole text reads covers what the query reads (more origins only mask more).
      const query = copy.query!
      const fields = await catalog.describe(query)
      await this.#origins?.prepare(fields, this.#statementReads())
      return { ...copy, columns: this.#describe(fields) }
    } catch {
      return { refused: 'its columns could not be learnt' }
    }
  }

  #copyData(frame: Buffer): Verdict {
    const copy = this.#copy
    if (copy === undefined || this.#rows === undefined) return KEEP
    if (copy.header) {
      copy.header = false
      return KEEP
    }
    const out = this.#rows.copyRow(frame, copy.options)
    return out === frame ? KEEP : out
  }

  /** Replaces the frame at hand with a 42501 and drops the rest of the response up to ReadyForQuery. */
  #refuse(reason: string): Verdict {
    this.#discarding = true
    this.#deps.interest?.(COPY_DATA, true)
    this.#deps.interest?.(DATA_ROW, true)
    this.#refusal = `masking: ${reason}`
    this.#rows = undefined
    return maskingRefused(reason)
  }

  /** The text as sent of the statement being answered (never the recorded text: see column-origins.ts). */
  #statementText(): string {
    const head = this.#deps.pending.peek()
    return head?.type === 'execute' || head?.type === 'query' ? (head.statement?.sent ?? '') : ''
  }

  /** What the statement being answered reads, from the classification it was decided on. */
  #statementReads(): StatementReads | undefined {
    const head = this.#deps.pending.peek()
    return head?.type === 'execute' || head?.type === 'query' ? head.statement?.reads : undefined
  }

  /** The COPY TO statements of a text, parsed once per text however many COPYs it holds. */
  #copiesOf(statement: string): ReadonlyArray<CopyTo | undefined> | undefined {
    let copies = this.#copies
    if (copies?.text !== statement) {
      copies = { text: statement, list: copiesTo(statement) }
      this.#copies = copies
    }
    return copies.list
  }

  /** SQL may have opened or closed a cursor of a name the relay knows as a protocol portal. */
  #forgetPortals(): void {
    this.#deps.namespace.forgetPortals()
    this.#deps.tracker.forgetPortals()
  }

  /** An error quoting something outside the classes mask-errors.ts always masks, for a statement that
   * references a whole row: the tables' columns are learnt before the error is read. */
  #lookingUpReferences(frame: Buffer): boolean {
    const catalog = this.#deps.catalog
    if (this.#deps.masking?.namesColumns !== true || catalog === undefined || !frame.includes(0x22))
      return false
    const work = prepareReferences(this.#statementReads(), catalog)
    if (work === undefined) return false
    this.#await(work)
    return true
  }

  /** Whether the statement being answered references a column a rule masks, so its errors' quoted values
   * may be that column's. */
  #referencesMasked(): boolean {
    const masking = this.#deps.masking
    return (
      masking !== undefined && referencesMaskedColumn(this.#statementReads(), masking, this.#deps.catalog)
    )
  }

  #lookingUpOrigins(fields: readonly RowField[]): boolean {
    const work = this.#origins?.prepare(fields, this.#statementReads())
    if (work === undefined) return false
    this.#await(work)
    return true
  }

  #await(work: Promise<void>): void {
    work.catch(() => {}).finally(() => this.#deps.resume())
  }

  #describe(fields: readonly RowField[]): DescribedColumn[] {
    if (this.#origins !== undefined) return this.#origins.describe(fields, this.#statementReads())
    // Without masking the columns follow from the fields alone: the last ones are kept with them.
    const last = this.#lastDescribed
    if (last?.fields === fields) return last.columns
    const columns = fields.map((f) => Object.freeze({ name: f.name, typeOid: f.typeOid, format: f.format }))
    this.#lastDescribed = { fields, columns }
    return columns
  }

  #maskerFor(columns: DescribedColumn[]): RowMasker {
    let shape = this.#lastShape
    if (shape?.columns !== columns) shape = this.#lastShape = columnShape(columns)
    return new RowMasker(columns, this.#deps.masking, this.#sample === undefined ? SAMPLE_ROWS : 0, shape)
  }

  /** A result set ended: its counts and (for the first) its rows go to the statement's record. */
  #endResult(): void {
    this.#deps.interest?.(DATA_ROW, true)
    const rows = this.#rows
    if (rows === undefined) return
    rows.takeCounts(this.#masked)
    this.#sample ??= rows.sample
    this.#rows = undefined
  }

  /** A target's own ErrorResponse or NoticeResponse, masked, and never passing for taskgate's decision data
   * (which clients such as the MCP tools act on): a routine field that would is dropped. */
  #targetFields(type: number, fields: Map<string, string>): Buffer | undefined {
    const forged = fields.get('R')?.startsWith(DECISION_DATA_MARKER) === true
    if (forged) fields.delete('R')
    return this.#maskFields(type, fields) ?? (forged ? serializeFields(type, fields) : undefined)
  }

  #maskFields(type: number, fields: Map<string, string>): Buffer | undefined {
    if (this.#errors === undefined) return undefined
    // Notices are not held for a lookup: a whole-row statement's notice is judged on the columns known.
    const quotesMasked = type === 0x45 && this.#referencesMasked()
    if (!this.#errors.mask(fields, quotesMasked)) return undefined
    this.#errors.takeCounts(this.#masked)
    return serializeFields(type, fields)
  }

  #error(frame: Buffer): Verdict {
    const pending = this.#deps.pending
    const head = pending.peek()
    const fields = parseErrorFields(frame)
    const severity = fields.get('V') ?? fields.get('S')
    if (severity === 'FATAL' || severity === 'PANIC') this.sentFatal = true
    if (head?.type === 'denial') {
      pending.shift()
      pending.skipToSync()
      return serializeErrorResponse(head.fields)
    }
    if (head?.type === 'query' && head.denial !== undefined) return serializeErrorResponse(head.denial)
    const masked = this.#targetFields(0x45, fields)
    // SQLSTATE and message only: enough for an auditor, and no internal position or context fields.
    const error = `${fields.get('C')}: ${fields.get('M')}`
    // A simple Query's error ends at its ReadyForQuery; one at Sync (a failed commit) at the Sync's.
    if (head === undefined || head.type === 'sync') return masked ?? KEEP
    if (head.type === 'query') {
      head.error ??= error
      return masked ?? KEEP
    }
    pending.shift()
    if (head.type === 'execute') this.#complete(head.statement, head.seq, head.startedAt, undefined, error)
    // A statement that fails to parse never runs, but the attempt is on the record.
    if (head.type === 'parse')
      this.#complete(head.statement, head.statement.seq, this.#deps.now(), undefined, error)
    // The server drops the unnamed statement before it parses a new one, so a failed Parse leaves none.
    if (head.type === 'parse' && head.name === '') this.#deps.namespace.unnamedDropped()
    pending.skipToSync()
    return masked ?? KEEP
  }

  /** ReadyForQuery ends a Sync or simple Query. */
  #ready(status: number | undefined): void {
    const pending = this.#deps.pending
    for (let item = pending.shift(); item !== undefined; item = pending.shift()) {
      if (item.type === 'sync') {
        this.#deps.namespace.settled(item.parsed)
        break
      }
      if (item.type === 'query') {
        this.#queryDone(item)
        break
      }
      // Unanswered before a ReadyForQuery: the server did not run it.
      this.#skipped(item)
    }
    if (status === 0x49) this.#forgetPortals()
    this.#deps.settled?.()
  }

  /** A simple Query is answered: recorded (a denied one was at its decision), its PREPAREs take effect. */
  #queryDone(item: Extract<PendingResponse, { type: 'query' }>): void {
    if (item.denial === undefined)
      this.#complete(item.statement, item.statement.seq, item.startedAt, item.rows, item.error)
    const namespace = this.#deps.namespace
    if (item.error === undefined) for (const name of item.deallocated ?? []) namespace.deallocated(name)
    for (const p of item.prepared ?? []) {
      // Which statements of a failed string ran is not known: a name it would have prepared is unknown.
      if (item.error === undefined)
        namespace.prepared(p.name, { ...item.statement, action: p.action, decideAtBind: true })
      else namespace.unknown(p.name, item.statement)
    }
    namespace.settled(namesOf(item.prepared))
  }

  /** A message the server skipped after an earlier error (or a query denied in a skipped segment). */
  #skipped(item: PendingResponse): void {
    if (item.type === 'execute')
      this.#complete(
        item.statement,
        item.seq,
        item.startedAt,
        undefined,
        'not executed: an earlier message failed',
      )
    else if (item.type === 'query') {
      if (item.denial === undefined)
        this.#complete(
          item.statement,
          item.statement.seq,
          item.startedAt,
          undefined,
          'not executed: an earlier message failed',
        )
      this.#deps.namespace.settled(namesOf(item.prepared))
      this.#deps.settled?.()
    }
  }

  #complete(
    statement: StatementInfo | undefined,
    seq: number | undefined,
    startedAt: number,
    rowCount?: number,
    error?: string,
  ): void {
    const durationMs = this.#deps.now() - startedAt
    const completed: Completed = { statement, seq, durationMs, rowCount, error: this.#refusal ?? error }
    if (this.#sample !== undefined && this.#sample.columns.length > 0) completed.result = this.#sample
    // A counter object is handed to the record only when it counted something; else it is kept.
    if (hasKeys(this.#masked)) {
      completed.masked = this.#masked
      this.#masked = {}
    }
    this.#sample = undefined
    this.#refusal = undefined
    this.#copyIndex = 0
    if (statement?.touchesPortals) this.#forgetPortals()
    this.#deps.record(completed)
  }
}

const NO_NAMES: readonly string[] = Object.freeze([])

/** The names of a query's SQL PREPAREs; no array is built for the usual query, which has none. */
function namesOf(prepared: readonly { name: string }[] | undefined): readonly string[] {
  return prepared === undefined || prepared.length === 0 ? NO_NAMES : prepared.map((p) => p.name)
}

/** Whether `record` has an own key, without the array Object.keys builds. */
function hasKeys(record: Record<string, number>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true
  return false
}
