// Masks the rows of one result set (DataRow, or COPY TO text/CSV CopyData) under a plan made once from its
// columns. A row whose masked columns all come out unchanged leaves as the buffer it came in; only matched
// columns are decoded, and a changed row is rebuilt by copying the other values' bytes (HOUSE-STYLE rule 4).
// It also keeps the first rows, as sent, for the recording.
import {
  BYTE_STYLE_GROWTH,
  type MaskingContext,
  type MaskingPlan,
  maskValue,
  maskValueBytes,
  needsMasking,
} from '../../core/index.ts'
import { type ColumnCodec, type ColumnKind, columnKind, decodeBinaryInt } from './column-types.ts'
import { type CopyTextOptions, decodeCopyField, encodeCopyField, splitCopyRow } from './wire/copy-rows.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'
import { scanDataRow } from './wire/row-messages.ts'

/** A result column as the relay knows it: name, table when resolved, type and wire format. */
export interface DescribedColumn {
  name: string
  table?: string
  typeOid: number
  format: number
  /** The table columns its values are or may carry (column-origins.ts). */
  origins?: ReadonlyArray<{ name: string; table?: string }>
  originUnknown?: boolean
}

/** What the recording keeps of a result (masked): column names and the first rows. */
export interface ResultSample {
  columns: string[]
  rows: unknown[][]
  truncated: boolean
}

export const SAMPLE_ROWS = 20
const SAMPLE_VALUE_CHARS = 200
const UNMASKABLE = 'unmaskable-binary'
/** In #newValues: the new bytes are in #scratch at #scratchStarts[i], #scratchLengths[i] long. */
const IN_SCRATCH = 0
const EMPTY = Buffer.alloc(0)
const NO_FLAGS = new Uint8Array(0)
const NO_INTS = new Int32Array(0)

/** What a result's rows are read with, made once per shape of result: a session that runs the same
 * statement again reuses it (ServerFrames keeps the last), so an unmasked result allocates no array. */
export interface ColumnShape {
  readonly columns: readonly DescribedColumn[]
  readonly kinds: readonly ColumnKind[]
  readonly codecs: readonly ColumnCodec[]
  /** The recording's column names: frozen, since every result of the shape shares the array. */
  readonly names: readonly string[]
}

export function columnShape(columns: readonly DescribedColumn[]): ColumnShape {
  const kinds = columns.map((c) => columnKind(c.typeOid, c.format))
  return {
    columns,
    kinds,
    codecs: kinds.map((k) => k.codec),
    names: Object.freeze(columns.map((c) => c.name)),
  }
}

export class RowMasker {
  readonly columns: readonly DescribedColumn[]
  readonly plan: MaskingPlan | undefined
  readonly #codecs: readonly ColumnCodec[]
  /** Masked column indexes, ascending; empty when the plan is passthrough. */
  readonly #masked: number[]
  /** 1 at masked indexes. */
  readonly #flags: Uint8Array
  /** Per row being rewritten: the new text of changed values (null: NULL) and where the old ones start. */
  readonly #newValues: Array<string | null | typeof IN_SCRATCH | undefined>
  readonly #starts: Int32Array
  /** Masks written as bytes (BYTE_STYLES) for the row being rewritten; reused from row to row. */
  #scratch = EMPTY
  readonly #scratchStarts: Int32Array
  readonly #scratchLengths: Int32Array
  /** Binary values a rule matched that cannot be rewritten in their type: sent as NULL. */
  readonly #unmaskable: number[]
  readonly sample: ResultSample
  #sampleLimit: number

  constructor(
    columns: readonly DescribedColumn[],
    masking: MaskingContext | undefined,
    sampleRows = SAMPLE_ROWS,
    shape: ColumnShape = columnShape(columns),
  ) {
    if (shape.columns !== columns) throw new Error('a column shape is for its own columns only')
    this.columns = columns
    const { kinds } = shape
    this.#codecs = shape.codecs
    // Without masking rules (the common case) a result only feeds the sample: no plan, no per-column state.
    this.plan =
      masking === undefined
        ? undefined
        : masking.plan(
            columns.map((c, i) => ({
              name: c.name,
              typeHint: kinds[i]!.hint,
              ...(c.table === undefined ? {} : { table: c.table }),
              ...(c.origins === undefined ? {} : { origins: c.origins }),
              ...(c.originUnknown ? { originUnknown: true } : {}),
            })),
          )
    const plan = this.plan
    this.#masked =
      plan && !plan.passthrough ? columns.flatMap((_, i) => (needsMasking(plan, i) ? [i] : [])) : []
    // Per-column state only when a column is masked: a result set per statement should not pay for five
    // empty arrays it never reads (they are only read at masked indexes).
    const width = this.#masked.length > 0 ? columns.length : 0
    this.#flags = width === 0 ? NO_FLAGS : new Uint8Array(width)
    for (const i of this.#masked) this.#flags[i] = 1
    this.#newValues = width === 0 ? [] : new Array(width).fill(undefined)
    this.#starts = width === 0 ? NO_INTS : new Int32Array(width)
    this.#scratchStarts = width === 0 ? NO_INTS : new Int32Array(width)
    this.#scratchLengths = width === 0 ? NO_INTS : new Int32Array(width)
    this.#unmaskable = width === 0 ? [] : new Array(width).fill(0)
    this.#sampleLimit = sampleRows
    // The shape's frozen names: recorded as they are, never changed.
    this.sample = { columns: shape.names as string[], rows: [], truncated: false }
  }

  /** Whether any row can change: false means every row may be forwarded untouched. */
  get masks(): boolean {
    return this.#masked.length > 0
  }

  /** Whether rows are still wanted for the sample. */
  get sampling(): boolean {
    return this.#sampleLimit > 0
  }

  /** A DataRow to send for `frame`: the same buffer when nothing in it changed. */
  dataRow(frame: Buffer): Buffer {
    let out = frame
    if (this.#masked.length > 0) {
      if (frame.length < 7 || frame.readInt16BE(5) !== this.columns.length)
        throw new ProtocolViolation('DataRow does not match its RowDescription')
      let changes = 0
      let growth = 0
      let pos = 7
      let scratchUsed = 0
      for (let i = 0; i < this.columns.length; i++) {
        if (pos + 4 > frame.length) throw new ProtocolViolation('DataRow truncated')
        const length = readInt32(frame, pos)
        pos += 4
        if (length < 0) continue
        if (pos + length > frame.length) throw new ProtocolViolation('DataRow truncated')
        if (this.#flags[i] === 1) {
          const written = this.#maskValueBytes(i, frame, pos, pos + length, scratchUsed)
          if (written >= 0) {
            const at = scratchUsed
            if (written !== length || !sameBytes(this.#scratch, at, frame, pos, length)) {
              this.#newValues[i] = IN_SCRATCH
              this.#starts[i] = pos
              this.#scratchStarts[i] = at
              this.#scratchLengths[i] = written
              scratchUsed += written
              changes++
              growth += written - length
            }
            pos += length
            continue
          }
          const value = this.#maskValueText(i, frame, pos, pos + length)
          if (value !== undefined) {
            this.#newValues[i] = value
            this.#starts[i] = pos
            changes++
            growth += (value === null ? 0 : this.#byteLength(i, value)) - length
          }
        }
        pos += length
      }
      if (changes > 0) out = this.#rewrite(frame, growth)
    }
    if (this.#sampleLimit > 0) this.#sampleDataRow(out)
    else this.sample.truncated = true
    return out
  }

  /** One allocation: the bytes between changed values are copied as they are. */
  #rewrite(frame: Buffer, growth: number): Buffer {
    const out = Buffer.allocUnsafe(frame.length + growth)
    out[0] = 0x44
    writeInt32(out, 1, out.length - 1)
    let from = 5
    let to = 5
    for (let i = 0; i < this.#newValues.length; i++) {
      const value = this.#newValues[i]
      if (value === undefined) continue
      this.#newValues[i] = undefined
      const start = this.#starts[i]!
      // Copy up to this value's length word, then write the new length and bytes.
      to = copyBytes(frame, from, start - 4, out, to)
      const oldLength = readInt32(frame, start - 4)
      if (value === IN_SCRATCH) {
        const at = this.#scratchStarts[i]!
        const length = this.#scratchLengths[i]!
        to = copyBytes(this.#scratch, at, at + length, out, writeInt32(out, to, length))
      } else if (value === null) to = writeInt32(out, to, -1)
      else {
        to = writeInt32(out, to, this.#byteLength(i, value))
        if (this.#codecs[i] === 'jsonb') out[to++] = 1
        to += out.write(value, to, 'utf8')
      }
      from = start + oldLength
    }
    copyBytes(frame, from, frame.length, out, to)
    return out
  }

  /** A CopyData frame (one row of COPY TO text or CSV) to send for `frame`. */
  copyRow(frame: Buffer, options: CopyTextOptions): Buffer {
    const row = frame.subarray(5)
    const { fields, lineEnd } = splitCopyRow(row, options)
    if (fields.length !== this.columns.length)
      throw new ProtocolViolation('COPY row does not match the columns of the statement')
    let changed: boolean[] | undefined
    const values = fields.map((f, i) => {
      if (!this.#isMasked(i) && this.#sampleLimit === 0) return undefined
      const value = decodeCopyField(row, f, options)
      if (value === null || !this.#isMasked(i)) return value
      const masked = maskValue(this.plan!, i, value)
      if (masked !== value) {
        changed ??= []
        changed[i] = true
      }
      return masked
    })
    let out = frame
    if (changed !== undefined) {
      const parts: Buffer[] = []
      fields.forEach((f, i) => {
        if (i > 0) parts.push(Buffer.of(options.delimiter))
        parts.push(changed![i] ? encodeCopyField(values[i] ?? null, options) : row.subarray(f.start, f.end))
      })
      parts.push(row.subarray(lineEnd))
      const body = Buffer.concat(parts)
      out = Buffer.allocUnsafe(5 + body.length)
      out[0] = 0x64
      out.writeInt32BE(4 + body.length, 1)
      body.copy(out, 5)
    }
    if (this.#sampleLimit > 0) {
      this.#sampleLimit--
      this.sample.rows.push(values.map((v) => (v == null ? null : clip(v))))
    } else this.sample.truncated = true
    return out
  }

  /** `column/detector` -> values masked since the last call. */
  takeCounts(into: Record<string, number>): void {
    if (this.plan === undefined) return
    const counts = this.plan.counts
    for (let i = 0; i < counts.length; i++) {
      if (counts[i]! > 0) {
        const name = this.plan.counterNames[i]!
        into[name] = (into[name] ?? 0) + counts[i]!
      }
      counts[i] = 0
    }
    this.#unmaskable.forEach((n, i) => {
      if (n === 0) return
      const name = `${this.columns[i]!.name}/${UNMASKABLE}`
      into[name] = (into[name] ?? 0) + n
      this.#unmaskable[i] = 0
    })
  }

  #isMasked(i: number): boolean {
    return this.#flags[i] === 1
  }

  /** A text value masked as bytes into #scratch at `at`: the mask's length, or -1 for the string path. */
  #maskValueBytes(i: number, frame: Buffer, start: number, end: number, at: number): number {
    if (this.#codecs[i] !== 'utf8') return -1
    const room = at + end - start + BYTE_STYLE_GROWTH
    if (room > this.#scratch.length) {
      const grown = Buffer.allocUnsafe(Math.max(room, this.#scratch.length * 2))
      this.#scratch.copy(grown, 0, 0, at)
      this.#scratch = grown
    }
    return maskValueBytes(this.plan!, i, frame, start, end, this.#scratch, at)
  }

  /** The new bytes of a masked value (null: NULL), or undefined when it stays as it was. */
  #maskValueText(i: number, frame: Buffer, start: number, end: number): string | null | undefined {
    const plan = this.plan!
    switch (this.#codecs[i]) {
      case 'utf8': {
        const text = frame.toString('utf8', start, end)
        const masked = maskValue(plan, i, text)
        return masked === text ? undefined : masked
      }
      case 'jsonb': {
        // Binary jsonb is a version byte (1) and the document's text (jsonb.c jsonb_send); #rewrite puts
        // the byte back.
        if (frame[start] !== 1) return this.#unmaskableValue(i)
        const text = frame.toString('utf8', start + 1, end)
        const masked = maskValue(plan, i, text)
        return masked === text ? undefined : masked
      }
      case 'int': {
        const text = decodeBinaryInt(frame.subarray(start, end))
        if (text === undefined) return this.#unmaskableValue(i)
        // A masked number cannot be written back as one: the value goes as NULL.
        return maskValue(plan, i, text) === text ? undefined : null
      }
      default:
        return this.#unmaskableValue(i)
    }
  }

  /** Bytes of a new value on the wire: its UTF-8, after jsonb's version byte. */
  #byteLength(i: number, value: string): number {
    return Buffer.byteLength(value, 'utf8') + (this.#codecs[i] === 'jsonb' ? 1 : 0)
  }

  #unmaskableValue(i: number): null {
    this.#unmaskable[i]!++
    return null
  }

  #sampleDataRow(frame: Buffer): void {
    this.#sampleLimit--
    const row: unknown[] = []
    scanDataRow(frame, (i, start, end) => {
      if (start === -1) row.push(null)
      else row.push(this.#sampleValue(i, frame.subarray(start, end)))
    })
    this.sample.rows.push(row)
  }

  #sampleValue(i: number, bytes: Buffer): unknown {
    switch (this.#codecs[i]) {
      case 'utf8':
        return clip(bytes.toString('utf8'))
      case 'jsonb':
        return clip(bytes.toString('utf8', 1))
      case 'int':
        return decodeBinaryInt(bytes) ?? '(binary)'
      default:
        return `(binary, ${bytes.length} bytes)`
    }
  }
}

// Row values are short: below this many bytes a loop costs less than Buffer#copy's native call.
const COPY_LOOP_BYTES = 64

/** Copies `src[from, end)` to `dst[to]`; returns where the copy ends in `dst`. */
function copyBytes(src: Buffer, from: number, end: number, dst: Buffer, to: number): number {
  if (end - from >= COPY_LOOP_BYTES) return to + src.copy(dst, to, from, end)
  while (from < end) dst[to++] = src[from++]!
  return to
}

// readInt32BE and writeInt32BE check their arguments on every call; these offsets are checked already.
function readInt32(buf: Buffer, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!
}

function writeInt32(buf: Buffer, at: number, value: number): number {
  buf[at] = value >>> 24
  buf[at + 1] = value >>> 16
  buf[at + 2] = value >>> 8
  buf[at + 3] = value
  return at + 4
}

// A loop beats Buffer.compare's native call on the short values masks are made of.
function sameBytes(a: Buffer, aStart: number, b: Buffer, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false
  return true
}

function clip(value: string): string {
  return value.length > SAMPLE_VALUE_CHARS ? `${value.slice(0, SAMPLE_VALUE_CHARS)}…` : value
}
