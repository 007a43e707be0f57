import type { HeldAction } from '../approvals/held-action.ts'
import type { CoreMetrics } from './core-metrics.ts'

/** A held statement counts as pending (`taskgate_holds_pending`) until its wait settles. */
export function countHeld(held: HeldAction, resourceId: string, metrics: CoreMetrics): HeldAction {
  metrics.holdStarted(resourceId)
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    metrics.holdEnded(resourceId)
  }
  return {
    ...held,
    wait: (signal) => {
      const waiting = held.wait(signal)
      void waiting.then(end, end)
      return waiting
    },
  }
}
