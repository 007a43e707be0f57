// One recorded stream of an SSH session as asciicast v2 (docs.asciinema.org/manual/asciicast/v2/): a
// header line (terminal size, command), then `[seconds, code, data]` events: "o" output, "e" stderr of an
// exec (players that do not know it skip it; the console shows it), "i" input, "r" resize, "m" markers
// (binary runs, where the cap stopped the recording, the exit status). Bounded: every session shares one
// byte budget (RecordingBudget); binary output (invalid UTF-8 or mostly control bytes) is recorded as a
// marker with its size instead of JSON-escaped (NUL becomes `\u0000`, 6 bytes each); text is masked for
// secrets line by line (a PEM key is held until its END line, up to a bound) before it is written.
import { isUtf8 } from 'node:buffer'
import { createWriteStream, type WriteStream } from 'node:fs'
import { TextDecoder } from 'node:util'
import { maskSecrets } from '../../core/index.ts'

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
const MAX_PENDING_CHARS = 4096
/** Longest PEM block held until its END line. */
const MAX_PEM_CHARS = 64 * 1024
const FLUSH_AFTER_MS = 200
const BEGIN_KEY = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/

export class AsciicastWriter {
  readonly #o: AsciicastOptions
  readonly #out: WriteStream
  readonly #startedAt = performance.now()
  readonly #pending = new Map<Stream, { text: string; decoder: TextDecoder }>()
  readonly #binary = new Map<Stream, number>()
  #timer: NodeJS.Timeout | undefined
  #full = false
  #closed = false

  constructor(options: AsciicastOptions) {
    this.#o = options
    this.#out = createWriteStream(options.file, { flags: 'wx', mode: 0o600 })
    this.#out.on('error', () => {
      this.#full = true
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
    this.#write(`${JSON.stringify(header)}\n`)
  }

  output(chunk: Buffer, stream: Stream = 'o'): void {
    // Past the cap nothing more is written: skip the checking, decoding and masking of every chunk.
    if (this.#closed || this.#full) return
    if (isBinary(chunk)) {
      this.#flush(stream, true)
      this.#binary.set(stream, (this.#binary.get(stream) ?? 0) + chunk.length)
      return
    }
    this.#flushBinary(stream)
    let pending = this.#pending.get(stream)
    if (!pending) {
      pending = { text: '', decoder: new TextDecoder('utf-8') }
      this.#pending.set(stream, pending)
    }
    pending.text += pending.decoder.decode(chunk, { stream: true })
    const holdsKey = BEGIN_KEY.test(pending.text) && !pending.text.includes('-----END ')
    if (holdsKey && pending.text.length < MAX_PEM_CHARS) {
      this.#later()
      return
    }
    const cut = holdsKey ? pending.text.length : pending.text.lastIndexOf('\n') + 1
    if (cut > 0) {
      this.#event(stream, maskSecrets(pending.text.slice(0, cut)))
      pending.text = pending.text.slice(cut)
    }
    if (pending.text.length > MAX_PENDING_CHARS) this.#flush(stream, true)
    else if (pending.text.length > 0) this.#later()
  }

  resize(width: number, height: number): void {
    if (this.#closed) return
    for (const stream of this.#pending.keys()) this.#flush(stream, true)
    this.#event('r', `${width}x${height}`)
  }

  marker(label: string): void {
    if (!this.#closed) this.#event('m', maskSecrets(label))
  }

  /** Writes what is held and ends the file; resolves once it is on disk. */
  async close(label?: string): Promise<void> {
    if (this.#closed) return
    for (const stream of this.#pending.keys()) this.#flush(stream, true)
    for (const stream of this.#binary.keys()) this.#flushBinary(stream)
    if (label) this.marker(label)
    this.#closed = true
    clearTimeout(this.#timer)
    await new Promise<void>((resolve) => this.#out.end(() => resolve()))
  }

  #later(): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      for (const stream of this.#pending.keys()) this.#flush(stream, true)
    }, FLUSH_AFTER_MS)
    this.#timer.unref()
  }

  #flush(stream: Stream, all: boolean): void {
    const pending = this.#pending.get(stream)
    if (!pending || pending.text.length === 0 || !all) return
    this.#event(stream, maskSecrets(pending.text))
    pending.text = ''
  }

  #flushBinary(stream: Stream): void {
    const bytes = this.#binary.get(stream)
    if (!bytes) return
    this.#binary.delete(stream)
    this.#event('m', `${stream === 'i' ? 'binary input' : 'binary output'}: ${bytes} bytes not recorded`)
  }

  #event(code: string, data: string): void {
    const seconds = Math.round(performance.now() - this.#startedAt) / 1000
    this.#write(`${JSON.stringify([seconds, code, data])}\n`)
  }

  #write(line: string): void {
    if (this.#full) return
    const bytes = Buffer.byteLength(line)
    const { budget } = this.#o
    if (bytes > budget.remaining) {
      this.#full = true
      const seconds = Math.round(performance.now() - this.#startedAt) / 1000
      this.#out.write(
        `${JSON.stringify([seconds, 'm', 'recording cap reached: the rest is not recorded'])}\n`,
      )
      return
    }
    budget.remaining -= bytes
    this.#out.write(line)
  }
}

/** 1 for a control byte a terminal does not use (not TAB, LF, CR, ESC, BS, BEL): a table, as this runs
 * on every byte of recorded output. */
const CONTROL = new Uint8Array(256)
for (let byte = 0; byte < 0x20; byte++) CONTROL[byte] = 1
for (const byte of [0x09, 0x0a, 0x0d, 0x1b, 0x08, 0x07]) CONTROL[byte] = 0

/** Invalid UTF-8 (a lone continuation byte is allowed at the edges: a character split across chunks), or
 * more than one byte in eight a control character a terminal does not use. */
export function isBinary(chunk: Buffer): boolean {
  let controls = 0
  for (let i = 0; i < chunk.length; i++) controls += CONTROL[chunk[i]!]!
  if (controls * 8 > chunk.length) return true
  // Native validation (node:buffer isUtf8): no decoder and no string per chunk.
  return !isUtf8(trimSplitCharacters(chunk))
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
