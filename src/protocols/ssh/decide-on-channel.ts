// Deciding a channel's action (an exec, a shell) before anything reaches the target: the gate records and
// may hold it for a person (the client reads "waiting for approval" on stderr meanwhile; closing the
// channel gives the approval up); a denial ends the channel with the one-line reason on stderr and exit
// status 126.
import type { ServerChannel } from 'ssh2'
import type { Action } from '../../core/index.ts'
import { DENIED_EXIT_STATUS, deniedLine, waitingLine } from './messages.ts'
import type { SessionContext } from './session-context.ts'

export async function decideOnChannel(
  session: SessionContext,
  channel: ServerChannel,
  action: Action,
): Promise<{ seq: number | undefined } | undefined> {
  const gaveUp = new AbortController()
  const abort = () => gaveUp.abort()
  channel.once('close', abort)
  try {
    const gate = session.gate({
      onWaiting: (approvalId, reason) => channel.stderr.write(waitingLine(approvalId, reason)),
      signal: gaveUp.signal,
    })
    const answer = await gate.decide({ action, write: true, start: true })
    const { decision } = answer
    if (decision.outcome === 'allow') return { seq: answer.seq }
    refuse(
      channel,
      deniedLine(
        decision.outcome === 'deny'
          ? decision
          : { rule: decision.rule, reason: `${decision.reason} (the approval was not given)` },
      ),
    )
    return undefined
  } finally {
    channel.off('close', abort)
  }
}

export function refuse(channel: ServerChannel, line: string): void {
  channel.stderr.write(line)
  channel.exit(DENIED_EXIT_STATUS)
  channel.end()
}
