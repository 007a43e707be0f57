// Bounded waits inside a tool call (await_approval, a held statement): the call returns the current status
// at its deadline instead of outliving the client's request timeout, and reports progress meanwhile.
import { setTimeout as sleep } from 'node:timers/promises'

export const POLL_MS = 500
const PROGRESS_EVERY_MS = 5_000

/** Reports that a long wait is still alive (MCP progress notifications reset a client's request timeout). */
export type Progress = (elapsedSeconds: number, totalSeconds: number, message: string) => Promise<void>

export interface ToolCallContext {
  signal: AbortSignal
  progress: Progress
}

/** Polls `check` until it returns true, the deadline passes or the call is cancelled; false if not done. */
export async function pollUntil(
  deadline: number,
  call: ToolCallContext,
  what: string,
  check: () => Promise<boolean>,
): Promise<boolean> {
  const started = Date.now()
  const total = Math.max(0, Math.round((deadline - started) / 1000))
  let reported = started
  for (;;) {
    if (await check()) return true
    const now = Date.now()
    if (now >= deadline || call.signal.aborted) return false
    if (now - reported >= PROGRESS_EVERY_MS) {
      reported = now
      await call.progress(Math.round((now - started) / 1000), total, what).catch(() => {})
    }
    await sleep(Math.min(POLL_MS, deadline - now), undefined, { signal: call.signal }).catch(() => {})
  }
}
