// Deciding a channel's action (an exec, a shell) before anything reaches the target: the gate records and
// may hold it for a person (the client reads "waiting for approval" on stderr meanwhile; closing the
// channel gives the approval up); a denial ends the channel with the one-line reason on stderr and exit
// status 126. A channel that asked for decision data (decision-data.ts) gets each line's data line too.
import type { ServerChannel } from 'ssh2'
import type { Action } from '../../core/index.ts'
import { decisionDataLine } from './decision-data.ts'
import { DENIED_EXIT_STATUS, deniedLine, waitingLine } from './messages.ts'
import type { SessionContext } from './session-context.ts'

export async function decideOnChannel(
  session: SessionContext,
  channel: ServerChannel,
  action: Action,
  options: { decisionData?: boolean } = {},
): Promise<{ seq: number | undefined } | undefined> {
  const gaveUp = new AbortController()
  const abort = () => gaveUp.abort()
  channel.once('close', abort)
  try {
    const gate = session.gate({
      onWaiting: (approvalId, held) => {
        channel.stderr.write(waitingLine(approvalId, held.reason))
        if (options.decisionData)
          channel.stderr.write(decisionDataLine({ outcome: 'approve-first', ...held, approvalId }))
      },
      signal: gaveUp.signal,
    })
    const answer = await gate.decide({ action, write: true, start: true })
    const { decision } = answer
    if (decision.outcome === 'allow') return { seq: answer.seq }
    const refusal =
      decision.outcome === 'deny'
        ? decision
        : {
            outcome: 'approve-first' as const,
            rule: decision.rule,
            reason: `${decision.reason} (the approval was not given)`,
          }
    refuse(channel, deniedLine(refusal) + (options.decisionData ? decisionDataLine(refusal) : ''))
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
