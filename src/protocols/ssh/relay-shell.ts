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
import { type Controls, relayChannel } from './relay-channel.ts'
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
  let upstream: Awaited<ReturnType<typeof openShell>>
  try {
    upstream = await openShell(await session.upstream(), request)
  } catch (error) {
    channel.stderr.write(upstreamFailedLine((error as Error).message))
    channel.exit(255)
    channel.end()
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
    {
      action,
      seq: allowed.seq,
      pty: request.pty,
      command: undefined,
      recordInput: false,
      inspectInput: (chunk) => lines.input(chunk, (line) => tripwire(session, channel, line)) === 'forward',
      onOutput: (chunk) => lines.output(chunk),
    },
    controls,
  )
  lines.close()
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
