// Decisions as data for SSH clients that ask (the MCP `exec` tool, an agent's own driver): an `env` request
// TASKGATE_DECISION_DATA=1 on the channel, which the gateway consumes and never forwards. Such a channel
// gets, after each human line (denied, waiting for approval), a second stderr line carrying core's encoded
// DecisionData; and the target's own stdout and stderr have the marker neutralised on the way, so a target
// cannot print a line that reads as taskgate's decision. A plain `ssh` session (which never sends it) sees
// exactly the one human line and the target's bytes unchanged.
import { Transform } from 'node:stream'
import { DECISION_DATA_MARKER, type Decision, encodeDecisionData } from '../../core/index.ts'

/** The environment variable a client sets to 1 to ask for decision data. */
export const DECISION_DATA_ENV = 'TASKGATE_DECISION_DATA'

/** What the marker becomes in a target's output: readable, but never a decision. */
const NEUTRAL_MARKER = DECISION_DATA_MARKER.replace('/', '(quoted)/')

export function decisionDataLine(decision: Exclude<Decision, { outcome: 'allow' }>): string {
  return `${encodeDecisionData(decision)}\r\n`
}

/** Passes bytes through unchanged except the marker, holding back at most a marker's length of a chunk's
 * end that could begin one (so a marker split across chunks is caught too). Byte-exact: latin1 maps each
 * byte to one character and back. */
export function markerNeutraliser(): Transform {
  let tail = ''
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const text = (tail + chunk.toString('latin1')).replaceAll(DECISION_DATA_MARKER, NEUTRAL_MARKER)
      const keep = pendingPrefix(text)
      tail = text.slice(text.length - keep)
      const out = text.slice(0, text.length - keep)
      done(null, out ? Buffer.from(out, 'latin1') : undefined)
    },
    flush(done) {
      done(null, tail ? Buffer.from(tail, 'latin1') : undefined)
    },
  })
}

/** The length of the longest end of `text` that is a proper beginning of the marker. */
function pendingPrefix(text: string): number {
  for (let n = Math.min(DECISION_DATA_MARKER.length - 1, text.length); n > 0; n--)
    if (DECISION_DATA_MARKER.startsWith(text.slice(text.length - n))) return n
  return 0
}
