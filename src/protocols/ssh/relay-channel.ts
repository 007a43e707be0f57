// Relays one allowed exec or shell between the client's channel and the target's, with backpressure both
// ways (pipe; the output packed into as few SSH packets as it allows, coalesce-output.ts), while recording
// it (asciicast: output, stderr, exec stdin, terminal resizes) and passing the target's exit status or exit
// signal back, after all of the output, before the channel closes. Window changes and signals the client
// sends go to the target. Resolves when both sides are closed; the action's record gets its duration and,
// for a non-zero status or a signal, how it ended.
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import type { ClientChannel, ServerChannel } from 'ssh2'
import type { Action } from '../../core/index.ts'
import { ResultBudget } from '../kit/result-budget.ts'
import { AsciicastWriter } from './asciicast.ts'
import { type PtyRequest, upstreamExit } from './back.ts'
import { coalesceOutput } from './coalesce-output.ts'
import { markerNeutraliser } from './decision-data.ts'
import type { SessionContext } from './session-context.ts'

export interface RelayOptions {
  action: Action
  seq: number | undefined
  pty: PtyRequest | undefined
  /** The exec command (masked); undefined for a shell. */
  command: string | undefined
  /** Exec stdin is recorded; a shell's keystrokes are not (passwords typed at a prompt). */
  recordInput: boolean
  /** Sees each chunk of client input before it is forwarded; false stops the session (shell tripwire). A
   * promise: the chunk waits for it, and the client's input with it (a long paste checked in turns). */
  inspectInput?: (chunk: Buffer) => boolean | Promise<boolean>
  /** Sees each chunk of target output (the shell's echo). */
  onOutput?: (chunk: Buffer) => void
  /** The client reads decision data: the target's output has the marker neutralised (decision-data.ts). */
  neutraliseMarker?: boolean
}

export interface Controls {
  /** The client's window-change and signal requests for this channel. */
  resize(cols: number, rows: number, width: number, height: number): void
  signal(name: string): void
}

export async function relayChannel(
  session: SessionContext,
  channel: ServerChannel,
  upstream: ClientChannel,
  recorder: AsciicastWriter,
  options: RelayOptions,
  controls?: (controls: Controls) => void,
): Promise<void> {
  const startedAt = performance.now()
  // The target's output in as few packets as its bytes allow (held to the next tick); all of it sent before
  // the exit status, which ssh2 sends at once.
  const output = coalesceOutput(channel)
  controls?.({
    resize(cols, rows, width, height) {
      upstream.setWindow(rows, cols, height, width)
      recorder.resize(cols, rows)
    },
    signal: (name) => upstream.signal(name),
  })
  let terminated!: () => void
  // A budget hold or end leaves the output unpiped: the session's close, not the streams' end, finishes it.
  const closedBySession = new Promise<void>((resolve) => {
    terminated = resolve
  })
  // Set once the output is piped; a stop before that has nothing to drop yet.
  let discardOutput = () => {}
  const stop = (line: string) => {
    discardOutput()
    terminated()
    channel.stderr.write(line) // sends the held output first
    recorder.marker(line.trim())
    channel.exit('TERM', false, line.trim())
    channel.end()
    upstream.close()
  }
  const untrack = session.track({ terminate: stop })
  // The file failing (disk full, I/O error) stops the relay: what is not recorded does not run on.
  let unrecorded: string | undefined
  recorder.onFailure((error) => {
    const cause = unrecordedCause(error)
    unrecorded = `recording failed: ${cause}`
    session.logger.error({ err: String(error) }, 'the session recording cannot be written: channel stopped')
    stop(`taskgate: stopped (rule recording): the session recording cannot be written (${cause})\r\n`)
  })
  // A stream error (a write after the peer closed) ends that side; it never reaches the process.
  channel.on('error', () => upstream.close())
  upstream.on('error', () => channel.close())
  let inspecting = false
  channel.on('data', (chunk: Buffer) => {
    if (options.recordInput) recorder.output(chunk, 'i')
    const verdict = options.inspectInput ? options.inspectInput(chunk) : true
    if (verdict === true) {
      if (!upstream.write(chunk)) channel.pause()
      return
    }
    if (verdict === false) return
    // Paused until the chunk is checked: later input neither overtakes it nor is checked meanwhile.
    inspecting = true
    channel.pause()
    void verdict.then((ok) => {
      inspecting = false
      if (ok && upstream.write(chunk)) channel.resume()
    })
  })
  upstream.on('drain', () => {
    if (!inspecting) channel.resume()
  })
  channel.on('end', () => upstream.end())
  channel.on('close', () => upstream.close())
  const { stdout, stderr, holdUntil, discard } = pipeOutput(
    session,
    channel,
    upstream,
    options.neutraliseMarker === true,
  )
  discardOutput = discard
  // A recording file the disk is slower to take than the target writes holds the target's output (in the
  // SSH window) instead of queueing it in memory.
  const keepUp = () => {
    if (recorder.behind) holdUntil(recorder.drained())
  }
  upstream.stdout.on('data', (chunk: Buffer) => {
    recorder.output(chunk, 'o')
    options.onOutput?.(chunk)
    keepUp()
  })
  upstream.stderr.on('data', (chunk: Buffer) => {
    recorder.output(chunk, options.pty ? 'o' : 'e')
    keepUp()
  })
  await Promise.all([
    new Promise((resolve) => upstream.once('close', resolve)),
    Promise.race([Promise.all([ended(stdout), ended(stderr)]), closedBySession]),
  ])
  untrack()
  const exit = upstreamExit(upstream)
  await output.drained()
  if (exit?.code !== undefined && exit.code !== null) channel.exit(exit.code)
  else if (exit?.signal) channel.exit(exit.signal, exit.dump ?? false, exit.desc ?? '')
  channel.end()
  const ending = exit?.signal ? `signal ${exit.signal}` : exit?.code ? `exit status ${exit.code}` : undefined
  await recorder.close(
    exit ? `exit ${exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`}` : 'closed',
  )
  session.gate({}).recordOutcome(options.seq, options.action, {
    durationMs: Math.round(performance.now() - startedAt),
    ...(unrecorded || ending ? { error: unrecorded ?? ending } : {}),
  })
}

/** Refuses a channel whose recording cannot be opened: fail closed, nothing ran on the target. */
export function recordingUnavailable(
  session: SessionContext,
  channel: ServerChannel,
  seq: number | undefined,
  action: Action,
): void {
  channel.stderr.write('taskgate: denied (rule recording): the session recording cannot be written\r\n')
  channel.exit(126)
  channel.end()
  session.gate({}).recordOutcome(seq, action, { error: 'recording unavailable' })
}

/** The errno code of a file error (ENOSPC, EIO, EACCES), never its path. */
function unrecordedCause(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? 'write error'
}

/** Pipes the target's stdout and stderr to the client (through the marker neutraliser when the client reads
 * decision data), counting their bytes against the grant's exfiltration budget: a hold or an end unpipes
 * both at the chunk that crossed (so the client's drains cannot restart them) until a person decides or
 * core's close arrives. `holdUntil` unpipes them the same way until a promise settles (the recording
 * catching up); they flow again when nothing holds them. Returns the streams whose end means the client has
 * everything. */
function pipeOutput(
  session: SessionContext,
  channel: ServerChannel,
  upstream: ClientChannel,
  neutralise: boolean,
): {
  stdout: Readable
  stderr: Readable
  holdUntil(settled: Promise<void>): void
  /** Stops relaying the target's output for good (the channel was stopped); what still comes is dropped. */
  discard(): void
} {
  const out = neutralise ? markerNeutraliser() : undefined
  const err = neutralise ? markerNeutraliser() : undefined
  out?.pipe(channel, { end: false })
  err?.pipe(channel.stderr, { end: false })
  const hops: Array<[Readable, Writable, boolean]> = [
    [upstream.stdout, out ?? channel, out !== undefined],
    [upstream.stderr, err ?? channel.stderr, err !== undefined],
  ]
  const connect = () => {
    for (const [from, to, end] of hops) from.pipe(to, { end })
  }
  const holds = new Set<'budget' | 'recording' | 'stopped'>()
  const hold = (reason: 'budget' | 'recording' | 'stopped') => {
    if (holds.size === 0)
      for (const [from, to] of hops) {
        from.unpipe(to)
        from.pause()
      }
    holds.add(reason)
  }
  const release = (reason: 'budget' | 'recording') => {
    if (holds.delete(reason) && holds.size === 0) connect()
  }
  const budget = new ResultBudget({
    handle: session.handle,
    logger: session.logger,
    pause: () => hold('budget'),
    resume: () => release('budget'),
  })
  const count = (chunk: Buffer) => budget.count({ bytes: chunk.length })
  upstream.stdout.on('data', count)
  upstream.stderr.on('data', count)
  connect()
  return {
    stdout: out ?? upstream.stdout,
    stderr: err ?? upstream.stderr,
    holdUntil(settled) {
      if (holds.has('recording')) return
      hold('recording')
      void settled.then(() => release('recording'))
    },
    discard() {
      // Unpiped for good (nothing releases 'stopped'), and read into nothing: the target's channel closes
      // only once what it sent is consumed.
      hold('stopped')
      upstream.stdout.resume()
      upstream.stderr.resume()
    },
  }
}

function ended(stream: NodeJS.ReadableStream & { readableEnded?: boolean }): Promise<void> {
  if (stream.readableEnded) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('end', resolve)
    stream.once('close', resolve)
  })
}

/** The channel's recording, its file open; undefined (logged) when it cannot be: the caller refuses the
 * channel before anything runs on the target (`recordingUnavailable`). */
export async function openRecording(
  session: SessionContext,
  options: Pick<RelayOptions, 'seq' | 'pty' | 'command'>,
): Promise<AsciicastWriter | undefined> {
  try {
    const dir = await session.recordingDir()
    const writer = new AsciicastWriter({
      file: join(
        dir,
        `${options.seq ?? Date.now()}-${options.command === undefined ? 'shell' : 'exec'}.cast`,
      ),
      budget: session.budget,
      width: options.pty?.cols || 80,
      height: options.pty?.rows || 24,
      title: `${session.login}@${session.handle.resource.id}`,
      ...(options.command !== undefined ? { command: options.command } : {}),
      ...(options.pty ? { env: { TERM: options.pty.term } } : {}),
    })
    let cause = ''
    writer.onFailure((error) => {
      cause = unrecordedCause(error)
    })
    if (await writer.opened()) return writer
    session.logger.error({ cause }, 'cannot open the session recording')
    return undefined
  } catch (error) {
    session.logger.error({ err: String(error) }, 'cannot open the session recording')
    return undefined
  }
}
