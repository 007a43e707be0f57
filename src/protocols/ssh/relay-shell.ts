// One `shell` request: decided at start (scope `shell:LOGIN`; a guardrail can hold it for a person), then
// relayed and recorded as asciicast with its terminal size and resizes. Each line entered is recorded as
// a `shell-input` action (masked) when the terminal echoed it, and checked against the guardrails as a
// tripwire (shell-tripwire.ts): a denied line is never sent and ends the session.
import type { ServerChannel } from 'ssh2'
import { maskSecrets } from '../../core/index.ts'
import { openShell, type PtyRequest } from './back.ts'
import { classifySession, classifyShellInput } from './command/index.ts'
import { decideOnChannel } from './decide-on-channel.ts'
import { deniedLine, upstreamFailedLine } from './messages.ts'
import { type Controls, openRecording, recordingUnavailable, relayChannel } from './relay-channel.ts'
import type { SessionContext } from './session-context.ts'
import { type LineVerdict, ShellLines } from './shell-tripwire.ts'

export interface ShellRequest {
  pty: PtyRequest | undefined
  env: Record<string, string>
}

export async function runShell(
  session: SessionContext,
  channel: ServerChannel,
  request: ShellRequest,
  controls: (controls: Controls) => void,
): Promise<void> {
  const action = classifySession('shell', session.login)
  const allowed = await decideOnChannel(session, channel, action)
  if (!allowed) return
  // Fail closed: the recording is open before the shell starts, or the shell does not start.
  const recorder = await openRecording(session, { seq: allowed.seq, pty: request.pty, command: undefined })
  if (!recorder) return recordingUnavailable(session, channel, allowed.seq, action)
  let upstream: Awaited<ReturnType<typeof openShell>>
  try {
    upstream = await openShell(await session.upstream(), request)
  } catch (error) {
    channel.stderr.write(upstreamFailedLine((error as Error).message))
    channel.exit(255)
    channel.end()
    await recorder.close('the target did not start the shell')
    return
  }
  const lines = new ShellLines((line, length) =>
    session.core.recordAction(session.handle, {
      kind: 'shell-input',
      text: line === undefined ? `(${length} characters the terminal did not echo)` : maskSecrets(line),
      // The login, for policy replay (replay.ts): what the tripwire decided the line with.
      needs: [{ verb: 'shell', object: session.login }],
      outcome: 'allow',
    }),
  )
  await relayChannel(
    session,
    channel,
    upstream,
    recorder,
    {
      action,
      seq: allowed.seq,
      pty: request.pty,
      command: undefined,
      recordInput: false,
      inspectInput: (chunk) =>
        inTurns(
          chunk,
          (piece) => lines.input(piece, (line) => tripwire(session, channel, line)) === 'forward',
        ),
      onOutput: (chunk) => lines.output(chunk),
    },
    controls,
  )
  lines.close()
}

/** Lines checked before the event loop gets a turn: each is a parse and a decision (~0.25 ms), and a paste
 * of 100 000 short lines checked at once held every session of the gateway for half a minute. */
const LINES_PER_TURN = 64
/** And bytes: a line's cost grows with its words (~10 µs a word), so 64 lines of 4,000 one-letter words
 * (256 KiB) held the event loop for 1.7 s in one turn. */
const BYTES_PER_TURN = 4096

/** `inspect` on the chunk, or on pieces of at most LINES_PER_TURN lines, or ending at the first line break
 * past BYTES_PER_TURN, with a turn of the event loop between them (pieces end after a line break: a byte
 * below 0x80 is never inside a UTF-8 character). */
export function inTurns(chunk: Buffer, inspect: (piece: Buffer) => boolean): boolean | Promise<boolean> {
  const cuts: number[] = []
  let breaks = 0
  let from = 0
  for (let i = 0; i < chunk.length - 1; i++) {
    const b = chunk[i]
    if (b !== 0x0d && b !== 0x0a) continue
    if (++breaks < LINES_PER_TURN && i + 1 - from < BYTES_PER_TURN) continue
    cuts.push(i + 1)
    from = i + 1
    breaks = 0
  }
  if (cuts.length === 0) return inspect(chunk)
  return (async () => {
    let from = 0
    for (const to of [...cuts, chunk.length]) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve))
      if (!inspect(chunk.subarray(from, to))) return false
      from = to
    }
    return true
  })()
}

/** Ends the session (the line is not sent) when a guardrail denies the line; scope is not asked here: a
 * shell grant holds no exec entries, and the shell itself was decided at its start. */
function tripwire(session: SessionContext, channel: ServerChannel, line: string): LineVerdict {
  let action: ReturnType<typeof classifyShellInput>
  let decision: ReturnType<typeof session.core.decide>
  try {
    action = classifyShellInput(line, session.login)
    decision = session.core.decide(session.handle, action)
  } catch (error) {
    session.logger.error({ err: String(error) }, 'checking a shell line failed')
    return 'forward'
  }
  if (decision.outcome !== 'deny' || !decision.rule.startsWith('guardrail')) return 'forward'
  session.core.recordAction(session.handle, {
    kind: 'shell-input',
    text: maskSecrets(line),
    needs: action.needs,
    outcome: 'deny',
    rule: decision.rule,
    reason: decision.reason,
  })
  channel.stderr.write(
    `\r\n${deniedLine({ rule: decision.rule, reason: `${decision.reason}; the shell session is ended` })}`,
  )
  session.handle.close(`tripwire: ${decision.rule}`, 'session')
  return 'stop'
}
