// One `exec` request: the command line is classified (protocols/ssh/command/) and decided by core through
// the action gate like a statement; a denial is one line on stderr and exit status 126; an allowed command
// runs on the target with the client's pty and environment, its stdin, stdout and stderr relayed with
// backpressure and recorded (asciicast, masked, capped), its exit status or signal passed back and kept
// with the action's record.
import type { ClientChannel, ServerChannel } from 'ssh2'
import { type Action, maskSecrets } from '../../core/index.ts'
import { openExec, type PtyRequest } from './back.ts'
import { classifyExec } from './command/index.ts'
import { decideOnChannel } from './decide-on-channel.ts'
import { upstreamFailedLine } from './messages.ts'
import { type Controls, openRecording, recordingUnavailable, relayChannel } from './relay-channel.ts'
import type { SessionContext } from './session-context.ts'

export interface ExecRequest {
  command: string
  pty: PtyRequest | undefined
  env: Record<string, string>
  /** The client asked for decisions as data (decision-data.ts). */
  decisionData?: boolean
}

export async function runExec(
  session: SessionContext,
  channel: ServerChannel,
  request: ExecRequest,
  controls: (controls: Controls) => void,
): Promise<void> {
  let action: Action
  try {
    action = classifyExec(request.command, session.login, { terminal: request.pty !== undefined })
  } catch (error) {
    session.logger.error({ err: String(error) }, 'classifying a command failed')
    action = {
      protocol: 'ssh',
      kind: 'exec',
      needs: [],
      traits: [],
      text: request.command,
      unclassified: 'error',
    }
  }
  action = { ...action, recordText: maskSecrets(action.recordText ?? action.text) }
  const allowed = await decideOnChannel(session, channel, action, {
    decisionData: request.decisionData === true,
  })
  if (!allowed) return
  const command = action.recordText ?? action.text
  // Fail closed: the recording is open before the command starts, or the command does not start.
  const recorder = await openRecording(session, { seq: allowed.seq, pty: request.pty, command })
  if (!recorder) return recordingUnavailable(session, channel, allowed.seq, action)
  let upstream: ClientChannel
  try {
    upstream = await openExec(await session.upstream(), request.command, request)
  } catch (error) {
    channel.stderr.write(upstreamFailedLine((error as Error).message))
    channel.exit(255)
    channel.end()
    session.gate({}).recordOutcome(allowed.seq, action, { error: 'the target did not run it' })
    await recorder.close('the target did not run it')
    return
  }
  await relayChannel(
    session,
    channel,
    upstream,
    recorder,
    {
      action,
      seq: allowed.seq,
      pty: request.pty,
      command,
      recordInput: true,
      neutraliseMarker: request.decisionData === true,
    },
    controls,
  )
}
