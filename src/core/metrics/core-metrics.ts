// What core tells a metrics backend as things happen (api/prometheus-metrics.ts implements it with
// prom-client; main.ts wires it). Called on the data path, so each call must be a counter bump: no I/O, no
// allocation beyond the labels, never a throw.
import type { GrantStatus } from '../grants/grant.ts'

export interface CoreMetrics {
  sessionOpened(resourceId: string, protocol: string): void
  sessionClosed(resourceId: string, protocol: string): void
  /** One statement (or request) of a session with its decision; `rule` is absent for an allowed one. */
  actionDecided(resourceId: string, protocol: string, outcome: string, rule: string | undefined): void
  /** Time core took to decide one action that missed the protocol's decision cache, in seconds. */
  decisionTimed(seconds: number): void
  /** The time the gateway added to one allowed action on its way to the target, in seconds: from the
   * engine taking it up (classification, decision, row estimate) to its start being recorded (stored, for
   * a write under `recording.onFailure: block`). A wait for a human approval is not part of it. */
  addedLatency(resourceId: string, protocol: string, seconds: number): void
  holdStarted(resourceId: string): void
  holdEnded(resourceId: string): void
  /** A store operation failed (`grants.get`, …) with this code. */
  storeFailed(operation: string, code: string): void
}

export const NO_METRICS: CoreMetrics = {
  sessionOpened() {},
  sessionClosed() {},
  actionDecided() {},
  decisionTimed() {},
  addedLatency() {},
  holdStarted() {},
  holdEnded() {},
  storeFailed() {},
}

/** What a scrape reads from core on demand (store-wide numbers and queue depths, not events). */
export interface OperationalCounts {
  grantsByStatus: Record<GrantStatus, number>
  /** Session records and denial audit entries waiting to be written to the store. */
  recordingBacklog: number
}
