// The terminal recording of an exec or attach: its stdout, stderr and stdin (and terminal resizes) written
// as asciicast v2 by the SSH engine's writer (ssh/asciicast.ts: masked line by line, binary runs as markers,
// a byte budget per session) under <store.dir>/recordings/kubernetes/<session id>/<seq>-<exec|attach>.cast,
// where the console's terminal player finds it (api/routes/session-recordings.ts) beside the command in the
// session's timeline (<seq> is the exec's own record). The v4/v5 status on the error channel ends it as a
// marker (`exit code 2`, `Success`).
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { AsciicastWriter, RecordingBudget } from '../ssh/asciicast.ts'
import type { RequestInfo } from './request-info.ts'
import type { KubeLogin } from './serve-request.ts'
import type { ChannelName } from './stream-recorder.ts'

/** The recording budget of each login (one per grant session, shared by its streams). */
const budgets = new WeakMap<KubeLogin, RecordingBudget>()
/** Largest status or resize message read (each is a small JSON object). */
const MAX_MESSAGE_BYTES = 4096

export interface ExecRecordingOptions {
  storeDir: string
  maxBytes: number
  login: KubeLogin
  info: RequestInfo
  /** The exec's record in the session (names the file, as SSH's do). */
  seq: number | undefined
  /** The command line (as decided: quoted argv), for the header. */
  command: string | undefined
}

export class ExecRecording {
  readonly #cast: AsciicastWriter
  #status = ''

  private constructor(cast: AsciicastWriter) {
    this.#cast = cast
  }

  /** Opens the file and writes its header; undefined when it cannot be (the stream is then refused: what
   * cannot be recorded does not run). */
  static async open(o: ExecRecordingOptions): Promise<ExecRecording | undefined> {
    let budget = budgets.get(o.login)
    if (!budget) {
      budget = new RecordingBudget(o.maxBytes)
      budgets.set(o.login, budget)
    }
    try {
      const dir = join(o.storeDir, 'recordings', 'kubernetes', o.login.handle.id)
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const kind = o.info.subresource === 'attach' ? 'attach' : 'exec'
      const cast = new AsciicastWriter({
        file: join(dir, `${o.seq ?? Date.now()}-${kind}.cast`),
        budget,
        width: 80,
        height: 24,
        title: `${o.info.subresource} ${o.info.namespace}/${o.info.name}@${o.login.handle.resource.id}`,
        ...(o.command !== undefined ? { command: o.command } : {}),
      })
      return (await cast.opened()) ? new ExecRecording(cast) : undefined
    } catch {
      return undefined
    }
  }

  channel(name: ChannelName, data: Buffer): void {
    if (name === 'stdout') this.#cast.output(data, 'o')
    else if (name === 'stderr') this.#cast.output(data, 'e')
    else if (name === 'stdin') this.#cast.output(data, 'i')
    else if (name === 'resize') {
      const size = readJson(data) as { Width?: unknown; Height?: unknown } | undefined
      const { Width: width, Height: height } = size ?? {}
      if (isDimension(width) && isDimension(height)) this.#cast.resize(width, height)
    } else if (this.#status.length < MAX_MESSAGE_BYTES) {
      this.#status += data.toString('utf8', 0, MAX_MESSAGE_BYTES - this.#status.length)
    }
  }

  /** While more than the writer's queue waits for the file, a promise of it catching up; else undefined. */
  lag(): Promise<void> | undefined {
    return this.#cast.behind ? this.#cast.drained() : undefined
  }

  /** `listener` runs once if the file cannot be written any more (disk full, I/O error): the stream is cut. */
  onFailure(listener: (error: Error) => void): void {
    this.#cast.onFailure(listener)
  }

  /** Ends the file with the exit status (from the error channel) or why the stream ended. */
  close(error?: string): Promise<void> {
    return this.#cast.close(error ?? exitLabel(this.#status))
  }
}

const isDimension = (n: unknown): n is number =>
  Number.isInteger(n) && (n as number) > 0 && (n as number) < 10_000

function readJson(data: Buffer): unknown {
  if (data.length > MAX_MESSAGE_BYTES) return undefined
  try {
    return JSON.parse(data.toString('utf8'))
  } catch {
    return undefined
  }
}

/** `Success`, `exit code N` (a NonZeroExitCode status's ExitCode cause) or the status message. */
function exitLabel(status: string): string | undefined {
  const parsed = readJson(Buffer.from(status)) as
    | {
        status?: string
        message?: string
        details?: { causes?: Array<{ reason?: string; message?: string }> }
      }
    | undefined
  if (!parsed) return status ? status.slice(0, 200) : undefined
  if (parsed.status === 'Success') return 'exit code 0'
  const code = parsed.details?.causes?.find((c) => c.reason === 'ExitCode')?.message
  if (code !== undefined) return `exit code ${code}`
  return typeof parsed.message === 'string' ? parsed.message.slice(0, 200) : 'the stream ended'
}
