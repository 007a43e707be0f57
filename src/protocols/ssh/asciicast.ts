// One recorded stream of an SSH session as asciicast v2 (docs.asciinema.org/manual/asciicast/v2/): a
// header line (terminal size, command), then `[seconds, code, data]` events: "o" output, "e" stderr of an
// exec (players that do not know it skip it; the console shows it), "i" input, "r" resize, "m" markers
// (binary runs, where the cap stopped the recording, the exit status). Bounded: every session shares one
// byte budget (RecordingBudget); binary output (invalid UTF-8 or mostly control bytes) is recorded as a
// marker with its size instead of JSON-escaped (NUL becomes `\u0000`, 6 bytes each); text is masked for
// secrets line by line (a PEM key is held until its END line, up to a bound) before it is written.
import { isUtf8 } from 'node:buffer'
import { createWriteStream, type WriteStream } from 'node:fs'
import { maskSecrets, mayHaveSecretBytes } from '../../core/index.ts'
import { escapeJsonBytes, MAX_ESCAPED_BYTES } from './escape-json-bytes.ts'

/** Bytes of recording one session may still write, shared by its channels. */
export class RecordingBudget {
  remaining: number
  constructor(maxBytes: number) {
    this.remaining = maxBytes
  }
}

export interface AsciicastOptions {
  file: string
  budget: RecordingBudget
  width: number
  height: number
  /** The exec command line (masked), absent for a shell. */
  command?: string
  title: string
  env?: Record<string, string>
}

type Stream = 'o' | 'e' | 'i'

/** Longest partial line held for masking before it is written anyway. */
const MAX_PENDING_BYTES = 4096
/** Output collected before it is masked and written as one event: a 50 MB exec makes ~1,500 events, not
 * one per SSH packet, and each text goes through the detectors and JSON once. */
const BATCH_BYTES = 32 * 1024
/** Batch-sized event lines are packed into reused chunks: a fresh 32 KiB Buffer per event is external
 * memory, which makes V8 run full garbage collections of the whole gateway's heap more often. */
const REUSE_FROM_BYTES = 8 * 1024
const CHUNK_BYTES = 256 * 1024
const LINE_END = Buffer.from('"]\n')
/** Past this many bytes waiting for the file, the writer is `behind` (the relay stops reading the target's
 * output until they are written): the output of a target faster than the disk is held in the SSH window,
 * not in the gateway's memory. */
const QUEUED_BYTES = 512 * 1024
/** Enough for a full queue to be written from reused chunks (the one being filled, the queued ones). */
const SPARE_CHUNKS = Math.ceil(QUEUED_BYTES / CHUNK_BYTES) + 2
/** Batches up to this size are joined in a buffer reused for the stream's next batches. */
const SCRATCH_BYTES = 128 * 1024
/** Longest run without a line end or a byte no secret contains held before it is written anyway (a
 * token or JWT is shorter; base64 blobs are not). */
const MAX_RUN_BYTES = 64 * 1024
/** Longest PEM block held until its END line. */
const MAX_PEM_BYTES = 64 * 1024
const FLUSH_AFTER_MS = 200
const BEGIN_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/
const KEY_MARK = Buffer.from('PRIVATE KEY-----')
const END_MARK = Buffer.from('-----END ')

/** A buffer event lines are appended to and written from: reused once no write of it is pending and
 * lines go to another chunk (a line is never overwritten before the file stream has written it). */
interface Chunk {
  buffer: Buffer
  used: number
  writing: number
}

/** Bytes of one stream not written yet, and when the first of them arrived (the event's time). */
interface Pending {
  /** Reused to join the chunks of a batch (a held partial line may point into it: it is moved first). */
  scratch?: Buffer
  chunks: Buffer[]
  bytes: number
  /** Held bytes at which the next batch is written: BATCH_BYTES more than a batch left held. A run held
   * whole (a partial line of bytes a secret is made of, a PEM block, up to their bounds) was joined and
   * searched again with each chunk that came after it: 64 KiB of exec stdin sent a byte a packet took 2 s
   * of CPU. */
  batchAt: number
  at: number
  /** Bytes came since the timer's last flush. */
  fresh: boolean
}

export class AsciicastWriter {
  readonly #o: AsciicastOptions
  readonly #out: WriteStream
  readonly #startedAt = performance.now()
  readonly #pending = new Map<Stream, Pending>()
  readonly #binary = new Map<Stream, number>()
  /** The chunk lines are packed into, and chunks the file stream has written, for the next lines. */
  #chunk: Chunk | undefined
  readonly #spare: Chunk[] = []
  /** Seconds of the last event written: a batch written late never goes back in time (players need it). */
  #last = 0
  #timer: NodeJS.Timeout | undefined
  #full = false
  #closed = false
  #failed: Error | undefined
  readonly #failureListeners: Array<(error: Error) => void> = []
  /** Settles once the file is open and its header written (undefined), or either failed (the error). */
  readonly #header: Promise<Error | undefined>

  constructor(options: AsciicastOptions) {
    this.#o = options
    this.#out = createWriteStream(options.file, { flags: 'wx', mode: 0o600, highWaterMark: QUEUED_BYTES })
    this.#out.on('error', (error) => {
      this.#full = true
      if (this.#failed || this.#closed) return
      this.#failed = error
      for (const listener of this.#failureListeners) listener(error)
    })
    const header = {
      version: 2,
      width: options.width,
      height: options.height,
      timestamp: Math.floor(Date.now() / 1000),
      title: options.title,
      ...(options.command !== undefined ? { command: options.command } : {}),
      ...(options.env ? { env: options.env } : {}),
    }
    const written = new Promise<Error | undefined>((resolve) => {
      // A write's callback gets its error before the stream emits 'error'.
      this.#write(`${JSON.stringify(header)}\n`, (error) => resolve(error ?? undefined))
      this.onFailure((error) => resolve(error))
    })
    // The file open too: past the session's recording cap the header is not written (its callback runs at
    // once), and the file must still exist for the channel's record to point at.
    const open = new Promise<Error | undefined>((resolve) => {
      this.#out.once('ready', () => resolve(undefined))
      this.onFailure((error) => resolve(error))
    })
    this.#header = Promise.all([written, open]).then(([a, b]) => a ?? b)
  }

  /** Works on bytes (no string per chunk): chunks are collected per stream and written a batch at a time,
   * cut after the last complete line (a secret is masked whole), at most 200 ms after they arrived. */
  output(chunk: Buffer, stream: Stream = 'o'): void {
    // Past the cap nothing more is written: skip the checking, decoding and masking of every chunk.
    if (this.#closed || this.#full || chunk.length === 0) return
    if (isBinary(chunk)) {
      this.#flush(stream, 'all')
      this.#binary.set(stream, (this.#binary.get(stream) ?? 0) + chunk.length)
      return
    }
    this.#flushBinary(stream)
    let pending = this.#pending.get(stream)
    if (!pending) {
      pending = { chunks: [], bytes: 0, batchAt: BATCH_BYTES, at: this.#now(), fresh: true }
      this.#pending.set(stream, pending)
    }
    if (pending.bytes === 0) pending.at = this.#now()
    pending.chunks.push(chunk)
    pending.bytes += chunk.length
    pending.fresh = true
    if (pending.bytes >= pending.batchAt) this.#flush(stream, 'batch')
    if (pending.bytes > 0) this.#later()
  }

  /** More than QUEUED_BYTES wait to be written to the file: the caller stops reading what it records until
   * `drained()` resolves (every byte is still recorded; only the memory holding them is bounded). */
  get behind(): boolean {
    return this.#out.writableNeedDrain && !this.#full && !this.#closed
  }

  /** Resolves once the file has taken what waited (or cannot take more: the recording then ends). */
  drained(): Promise<void> {
    if (!this.behind) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.#out.off('drain', done).off('error', done).off('close', done)
        resolve()
      }
      this.#out.on('drain', done).on('error', done).on('close', done)
    })
  }

  resize(width: number, height: number): void {
    if (this.#closed) return
    for (const stream of this.#pending.keys()) this.#flush(stream, 'all')
    this.#event('r', `${width}x${height}`)
  }

  marker(label: string): void {
    if (!this.#closed) this.#event('m', maskSecrets(label))
  }

  /** Resolves true once the file is open and holds its header, false when it cannot be opened or written:
   * callers start what they record only after it, so nothing runs that the recording cannot hold. */
  async opened(): Promise<boolean> {
    return (await this.#header) === undefined && this.#failed === undefined
  }

  /** `listener` runs once if the file cannot be written (not opened, disk full, I/O error): nothing more
   * is recorded, so the caller stops what it relays (fail closed). Reaching the cap is not a failure. */
  onFailure(listener: (error: Error) => void): void {
    if (this.#failed) listener(this.#failed)
    else this.#failureListeners.push(listener)
  }

  /** Writes what is held and ends the file; resolves once it is on disk (or at once, when it failed). */
  async close(label?: string): Promise<void> {
    if (this.#closed) return
    for (const stream of this.#pending.keys()) this.#flush(stream, 'all')
    for (const stream of this.#binary.keys()) this.#flushBinary(stream)
    if (label) this.marker(label)
    this.#closed = true
    clearTimeout(this.#timer)
    if (this.#out.destroyed) return
    await new Promise<void>((resolve) => {
      this.#out.once('error', () => resolve())
      this.#out.end(() => resolve())
    })
  }

  #now(): number {
    return performance.now() - this.#startedAt
  }

  /** Arms the timer. Its flush may hold a partial token back; the next one writes it if nothing came
   * meanwhile (a stream that goes on is cut where no token is split each time). */
  #later(): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      let again = false
      for (const [stream, pending] of this.#pending) {
        const mode = pending.fresh ? 'timer' : 'late'
        pending.fresh = false
        this.#flush(stream, mode)
        again ||= mode === 'timer' && pending.bytes > 0
      }
      if (again) this.#later()
    }, FLUSH_AFTER_MS)
    this.#timer.unref()
  }

  /** Writes the held bytes of `stream`, masked: `batch` up to the last complete line (a secret is masked
   * whole); `timer` (200 ms after the bytes arrived) and `late` (200 ms after that) a partial line too, up
   * to its last byte no secret contains (a run of such bytes at the end waits for more output, the end, or
   * its bound); `all` everything (the recording ends, or a resize or binary output comes between).
   * A partial line held past its bound is cut after its last byte no secret contains as well, so a token
   * a long line carries across two SSH packets is not split. A character cut at the end waits for its
   * rest; a PEM key without its END line yet is held whole (up to a bound) unless `all`. */
  #flush(stream: Stream, mode: 'batch' | 'timer' | 'late' | 'all'): void {
    const pending = this.#pending.get(stream)
    if (!pending || pending.bytes === 0) return
    const held = joined(pending)
    const whole = held.length - splitCharacterBytes(held)
    let cut = mode === 'all' ? whole : held.lastIndexOf(10) + 1
    if (mode === 'timer' || mode === 'late' || (mode === 'batch' && held.length - cut > MAX_PENDING_BYTES)) {
      // Never inside a run of bytes a secret is made of, however long the output pauses (a pause under
      // load can be longer than two timer periods): that run waits for the next output or the end.
      cut = afterLastSeparator(held, cut)
      if (held.length - cut > MAX_RUN_BYTES) cut = whole
    }
    const keyAt = held.indexOf(KEY_MARK)
    if (keyAt !== -1 && held.indexOf(END_MARK, keyAt) === -1 && held.length < MAX_PEM_BYTES) {
      const head = held.toString('latin1', Math.max(0, keyAt - 60), keyAt + KEY_MARK.length)
      if (BEGIN_KEY.test(head) && mode !== 'all') cut = 0
    }
    if (cut > 0) this.#text(stream, held.subarray(0, cut), pending.at)
    const rest = held.subarray(cut)
    pending.chunks = rest.length > 0 ? [rest] : []
    pending.bytes = rest.length
    pending.batchAt = rest.length + BATCH_BYTES
  }

  #flushBinary(stream: Stream): void {
    const bytes = this.#binary.get(stream)
    if (!bytes) return
    this.#binary.delete(stream)
    this.#event('m', `${stream === 'i' ? 'binary input' : 'binary output'}: ${bytes} bytes not recorded`)
  }

  /** One event of valid UTF-8 text. Text with none of the credential detectors' literals (the common
   * case) is escaped as it is, from its bytes into the line (escape-json-bytes.ts: the bytes of the JSON
   * string of the UTF-8 text, without decoding to and encoding from UTF-16, and no string of the size of
   * the text for the garbage collector). Anything else is decoded and masked first. */
  #text(stream: Stream, bytes: Buffer, at: number): void {
    if (mayHaveSecretBytes(bytes) || !isUtf8(bytes)) {
      this.#event(stream, maskSecrets(bytes.toString('utf8')), at)
      return
    }
    const head = `[${this.#seconds(at)},"${stream}","`
    const most = head.length + bytes.length * MAX_ESCAPED_BYTES + LINE_END.length
    if (most < REUSE_FROM_BYTES) {
      const buffer = Buffer.allocUnsafe(most)
      const end = escapeJsonBytes(bytes, buffer, buffer.write(head, 0, 'latin1'))
      this.#write(buffer.subarray(0, end + LINE_END.copy(buffer, end)))
      return
    }
    // Into the chunk being filled, else a fresh one (text is rarely escaped to twice its size), else a
    // buffer of its own (a line longer than a chunk).
    let chunk = this.#chunk
    let end = chunk ? this.#escapeInto(chunk, head, bytes) : -1
    if (end === -1 && head.length + bytes.length * 2 < CHUNK_BYTES) {
      chunk = this.#freshChunk()
      end = this.#escapeInto(chunk, head, bytes)
    }
    if (end === -1 || !chunk) {
      const buffer = Buffer.allocUnsafe(most)
      end = escapeJsonBytes(bytes, buffer, buffer.write(head, 0, 'latin1'))
      this.#write(buffer.subarray(0, end + LINE_END.copy(buffer, end)))
      return
    }
    const start = chunk.used
    chunk.used = end
    chunk.writing++
    const filled = chunk
    this.#write(chunk.buffer.subarray(start, end), () => this.#written(filled))
  }

  /** Appends the line to `chunk`; returns where it ends there, or -1 if it does not fit. */
  #escapeInto(chunk: Chunk, head: string, bytes: Buffer): number {
    const room = chunk.buffer.length - chunk.used
    if (head.length + bytes.length + LINE_END.length > room) return -1
    const end = escapeJsonBytes(
      bytes,
      chunk.buffer.subarray(0, chunk.buffer.length - LINE_END.length),
      chunk.used + chunk.buffer.write(head, chunk.used, 'latin1'),
    )
    return end === -1 ? -1 : end + LINE_END.copy(chunk.buffer, end)
  }

  #freshChunk(): Chunk {
    const retired = this.#chunk
    const chunk = this.#spare.pop() ?? { buffer: Buffer.allocUnsafeSlow(CHUNK_BYTES), used: 0, writing: 0 }
    chunk.used = 0
    this.#chunk = chunk
    if (retired && retired.writing === 0) this.#recycle(retired)
    return chunk
  }

  #written(chunk: Chunk): void {
    chunk.writing--
    if (chunk.writing === 0 && chunk !== this.#chunk) this.#recycle(chunk)
  }

  #recycle(chunk: Chunk): void {
    if (this.#spare.length < SPARE_CHUNKS) this.#spare.push(chunk)
  }

  #seconds(at: number): number {
    const seconds = Math.max(this.#last, Math.round(at) / 1000)
    this.#last = seconds
    return seconds
  }

  #event(code: string, data: string, at = this.#now()): void {
    this.#write(`${JSON.stringify([this.#seconds(at), code, data])}\n`)
  }

  /** `written` runs once the file stream is done with `line` (at once if it is not written). */
  #write(line: string | Buffer, written?: (error?: Error | null) => void): void {
    if (this.#full) {
      written?.()
      return
    }
    // Encoded once: measuring the string and letting the file stream encode it again costs two passes.
    const encoded = typeof line === 'string' ? Buffer.from(line) : line
    const bytes = encoded.length
    const { budget } = this.#o
    if (bytes > budget.remaining) {
      this.#full = true
      this.#out.write(
        `${JSON.stringify([this.#last, 'm', 'recording cap reached: the rest is not recorded'])}\n`,
      )
      written?.()
      return
    }
    budget.remaining -= bytes
    this.#out.write(encoded, written)
  }
}

/** 1 for a control byte a terminal does not use (not TAB, LF, CR, ESC, BS, BEL): a table, as this runs
 * on every byte of recorded output. */
const CONTROL = new Uint8Array(256)
for (let byte = 0; byte < 0x20; byte++) CONTROL[byte] = 1
for (const byte of [0x09, 0x0a, 0x0d, 0x1b, 0x08, 0x07]) CONTROL[byte] = 0

const CONTROL_BYTES = [...CONTROL.keys()].filter((byte) => CONTROL[byte] === 1)
/** Below this, one pass over the bytes costs less than a native search per control byte. */
const SCAN_NATIVELY_FROM = 512

/** Invalid UTF-8 (a lone continuation byte is allowed at the edges: a character split across chunks), or
 * more than one byte in eight a control character a terminal does not use. */
export function isBinary(chunk: Buffer): boolean {
  // Native validation (node:buffer isUtf8): no decoder and no string per chunk.
  if (!isUtf8(trimSplitCharacters(chunk))) return true
  return tooManyControls(chunk)
}

/** Text holds none of these bytes: a native search (memchr) for each proves that for a 32 KiB packet in
 * a fraction of what a JavaScript pass over every byte costs; only a chunk that has one is counted. */
function tooManyControls(chunk: Buffer): boolean {
  if (chunk.length >= SCAN_NATIVELY_FROM && !CONTROL_BYTES.some((byte) => chunk.includes(byte))) return false
  let controls = 0
  for (let i = 0; i < chunk.length; i++) {
    controls += CONTROL[chunk[i]!]!
    if (controls * 8 > chunk.length) return true
  }
  return false
}

/** The chunk without a multi-byte character cut at either end. */
function trimSplitCharacters(chunk: Buffer): Buffer {
  let start = 0
  while (start < 3 && start < chunk.length && (chunk[start]! & 0xc0) === 0x80) start++
  let end = chunk.length
  for (let i = 1; i <= 3 && end - i >= start; i++) {
    const byte = chunk[end - i]!
    if ((byte & 0xc0) === 0x80) continue
    if (byte >= 0xc0) end -= i
    break
  }
  return chunk.subarray(start, end)
}

/** The held chunks of a stream as one buffer: the only chunk, or the chunks copied into the stream's
 * scratch buffer (the first may be the rest of the last batch, already in it: copy moves it to the front). */
function joined(pending: Pending): Buffer {
  if (pending.chunks.length === 1) return pending.chunks[0]!
  if (pending.bytes > SCRATCH_BYTES) return Buffer.concat(pending.chunks)
  pending.scratch ??= Buffer.allocUnsafeSlow(SCRATCH_BYTES)
  let at = 0
  for (const chunk of pending.chunks) at += chunk.copy(pending.scratch, at)
  return pending.scratch.subarray(0, at)
}

/** 1 for the bytes a secret the credential detectors find can contain: tokens and JWTs are made of
 * letters, digits, `_`, `-` and `.`; a PEM header line has spaces too. Bytes of multi-byte characters
 * (0x80 and up) count as well, so a cut after a byte outside the set never splits a character. */
const SECRET_BYTE = new Uint8Array(256).fill(1, 0x80)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-. ')
  SECRET_BYTE[c.charCodeAt(0)] = 1

/** The offset just after the last byte of `held` from `from` on that no secret contains, or `from`. */
function afterLastSeparator(held: Buffer, from: number): number {
  for (let i = held.length - 1; i >= from; i--) if (SECRET_BYTE[held[i]!] === 0) return i + 1
  return from
}

/** Bytes at the end of `chunk` that begin a multi-byte character whose rest has not arrived (0 to 3). */
function splitCharacterBytes(chunk: Buffer): number {
  for (let i = 1; i <= 3 && i <= chunk.length; i++) {
    const byte = chunk[chunk.length - i]!
    if ((byte & 0xc0) === 0x80) continue
    const needs = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return needs > i ? i : 0
  }
  return 0
}
