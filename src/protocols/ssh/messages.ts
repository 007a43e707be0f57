// The lines the gateway writes to an SSH client itself (HOUSE-STYLE rule 8), on the channel's stderr: a
// denial in one line an agent can act on (rule, reason, missing scope, the `taskgate grant request`
// command), a wait for approval, the grant's end. Only client-safe text goes in.
import { type Denial, formatScope } from '../../core/index.ts'

/** The exit status of a command the gateway refused: POSIX's "found but cannot execute". */
export const DENIED_EXIT_STATUS = 126

const withoutPrefix = (reason: string): string => reason.replace(/^taskgate:\s*/, '')

export function deniedLine(d: Pick<Denial, 'rule' | 'reason' | 'missingScope' | 'requestHint'>): string {
  const parts = [`taskgate: denied (rule ${d.rule}): ${withoutPrefix(d.reason)}`]
  if (d.missingScope?.length) parts.push(`missing scope: ${formatScope(d.missingScope)}`)
  if (d.requestHint) parts.push(d.requestHint)
  return `${parts.join('; ')}\r\n`
}

export function waitingLine(approvalId: string, reason: string): string {
  return `taskgate: waiting for approval ${approvalId} (${withoutPrefix(reason)})\r\n`
}

export function grantEndedLine(reason: string): string {
  return `\r\ntaskgate: session ended: ${withoutPrefix(reason)}\r\n`
}

export function upstreamFailedLine(message: string): string {
  return `taskgate: the target cannot be reached: ${withoutPrefix(message)}\r\n`
}
