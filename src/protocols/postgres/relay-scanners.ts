// The two frame scanners of a relay session. Client to upstream: each interesting frame goes to the client
// frames (which decide), and the result tracker follows what is forwarded so results can be matched to what
// they answer. Upstream to client: each interesting frame goes to the server frames (masking, recording)
// unless the exfiltration budget holds the stream; DataRows are counted from frame headers for the budget.
import type { Duplex } from 'node:stream'
import type { ClientFrames } from './client-frames.ts'
import { CLIENT_TYPES_READ } from './client-frames.ts'
import type { RelayBudget } from './relay-budget.ts'
import type { ResultTracker } from './result-tracker.ts'
import { SERVER_TYPES_READ, type ServerFrames } from './server-frames.ts'
import { FrameScanner, PAUSE, PROTOCOL_MAX_FRAME_BYTES } from './wire/frame-scanner.ts'

export function clientScanner(
  upstream: Duplex,
  clientFrames: ClientFrames,
  tracker: ResultTracker,
  maxMessageBytes: number,
): FrameScanner {
  return new FrameScanner(
    CLIENT_TYPES_READ,
    {
      frame: (t, f) => tracker.forwarded(clientFrames.frame(t, f), t, f),
      pass: (b) => upstream.write(b),
    },
    maxMessageBytes,
  )
}

export function upstreamScanner(
  client: Duplex,
  serverFrames: ServerFrames,
  budget: RelayBudget,
): FrameScanner {
  return new FrameScanner(
    SERVER_TYPES_READ,
    {
      frame: (t, f) => {
        // Before ReadyForQuery the result's rows are reported, so a warning reaches the client while it
        // still reads this response (psql -c stops reading at ReadyForQuery).
        if (t === 0x5a /* ReadyForQuery */ && !budget.holding) budget.count(0)
        return budget.holding ? PAUSE : serverFrames.frame(t, f)
      },
      pass: (b) => client.write(b),
    },
    PROTOCOL_MAX_FRAME_BYTES,
    0x44 /* DataRow: the budget's rows, counted as the scanner reads frame headers */,
  )
}
