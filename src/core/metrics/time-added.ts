// The added-latency histogram's one observation per allowed action (CoreMetrics.addedLatency): measured on
// performance.now() (monotonic, a plain number: nothing allocated on the hot path). A write under
// `recording.onFailure: block` is observed once its start record is stored, since it waits for that.

import type { Decision } from '../policy/decision.ts'
import type { SessionHandle } from '../sessions/session-handle.ts'
import type { CoreMetrics } from './core-metrics.ts'

export function timeAdded(
  metrics: CoreMetrics,
  session: SessionHandle,
  receivedAt: number,
  durable: Promise<Decision> | undefined,
): void {
  if (durable === undefined) {
    metrics.addedLatency(session.resource.id, session.protocol, (performance.now() - receivedAt) / 1000)
    return
  }
  durable.then(
    () =>
      metrics.addedLatency(session.resource.id, session.protocol, (performance.now() - receivedAt) / 1000),
    () => {},
  )
}
