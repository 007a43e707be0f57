// /metrics in the Prometheus text format (prom-client): core's events as counters, gauges and one
// histogram (CoreMetrics), store-wide numbers read at scrape time, and Node's own (event-loop lag, heap,
// GC, CPU). Label values are bounded: resources and protocols come from the config, rules are capped at
// MAX_RULES distinct values, store operations and error codes are closed sets.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { CoreMetrics, OperationalCounts } from '../core/index.ts'

/** Beyond this many distinct rule labels, further rules count as `other` (a guard, not an expected case). */
const MAX_RULES = 200

/** Decision times are microseconds (a parse is cached per statement shape); the tail buckets catch stalls. */
const DECISION_BUCKETS_SECONDS = [
  0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.0025, 0.01, 0.05, 0.25,
]

export interface PrometheusMetrics extends CoreMetrics {
  readonly contentType: string
  /** Where scrape-time numbers come from (core, once it exists). */
  readFrom(source: () => Promise<OperationalCounts>): void
  render(): Promise<string>
}

export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })
  let source: (() => Promise<OperationalCounts>) | undefined

  const sessionLabels = ['resource', 'protocol'] as const
  const sessionsLive = new Gauge({
    name: 'taskgate_sessions_live',
    help: 'Client sessions open now in this process.',
    labelNames: sessionLabels,
    registers: [registry],
  })
  const sessionsOpened = new Counter({
    name: 'taskgate_sessions_opened_total',
    help: 'Client sessions opened (logged in under a grant).',
    labelNames: sessionLabels,
    registers: [registry],
  })
  const sessionsClosed = new Counter({
    name: 'taskgate_sessions_closed_total',
    help: 'Client sessions closed, for any reason.',
    labelNames: sessionLabels,
    registers: [registry],
  })
  const actions = new Counter({
    name: 'taskgate_actions_total',
    help: 'Statements and requests by decision (allow, deny, approve-first) and the rule that decided.',
    labelNames: ['resource', 'protocol', 'outcome', 'rule'] as const,
    registers: [registry],
  })
  const decisionSeconds = new Histogram({
    name: 'taskgate_decision_duration_seconds',
    help: "Time core takes to decide one action that missed the protocol's decision cache.",
    buckets: DECISION_BUCKETS_SECONDS,
    registers: [registry],
  })
  const holdsPending = new Gauge({
    name: 'taskgate_holds_pending',
    help: 'Statements held for a human approval and waiting, in this process.',
    labelNames: ['resource'] as const,
    registers: [registry],
  })
  const storeErrors = new Counter({
    name: 'taskgate_store_errors_total',
    help: 'Store operations that failed, by operation and error code.',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  })
  // Read once per scrape (render starts it), by both gauges below; a store that fails leaves them empty.
  let counts: Promise<OperationalCounts | undefined> = Promise.resolve(undefined)
  new Gauge({
    name: 'taskgate_grants',
    help: 'Grants in the store by status (all gateways sharing the store see the same numbers).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const read = await counts
      this.reset()
      for (const [status, n] of Object.entries(read?.grantsByStatus ?? {})) this.set({ status }, n)
    },
  })
  new Gauge({
    name: 'taskgate_recording_backlog',
    help: 'Session records and denial audit entries waiting to be written to the store, in this process.',
    registers: [registry],
    async collect() {
      const read = await counts
      this.reset()
      if (read) this.set(read.recordingBacklog)
    },
  })

  // Children are looked up through nested maps, so the per-statement path builds no label object or key.
  const actionChildren = new Map<string, Map<string, Map<string, Map<string, Counter.Internal>>>>()
  const seenRules = new Set<string>()
  const ruleLabel = (rule: string | undefined): string => {
    const r = rule ?? ''
    if (seenRules.has(r)) return r
    if (seenRules.size >= MAX_RULES) return 'other'
    seenRules.add(r)
    return r
  }
  const actionChild = (resource: string, protocol: string, outcome: string, rule: string) => {
    const byProtocol = getOrSet(actionChildren, resource, () => new Map())
    const byOutcome = getOrSet(byProtocol, protocol, () => new Map())
    const byRule = getOrSet(byOutcome, outcome, () => new Map())
    return getOrSet(byRule, rule, () => actions.labels(resource, protocol, outcome, rule))
  }

  return {
    contentType: registry.contentType,
    readFrom(read) {
      source = read
    },
    render() {
      counts = source ? source().catch(() => undefined) : Promise.resolve(undefined)
      return registry.metrics()
    },
    sessionOpened(resource, protocol) {
      sessionsOpened.labels(resource, protocol).inc()
      sessionsLive.labels(resource, protocol).inc()
    },
    sessionClosed(resource, protocol) {
      sessionsClosed.labels(resource, protocol).inc()
      sessionsLive.labels(resource, protocol).dec()
    },
    actionDecided(resource, protocol, outcome, rule) {
      actionChild(resource, protocol, outcome, ruleLabel(rule)).inc()
    },
    decisionTimed(seconds) {
      decisionSeconds.observe(seconds)
    },
    holdStarted(resource) {
      holdsPending.labels(resource).inc()
    },
    holdEnded(resource) {
      holdsPending.labels(resource).dec()
    },
    storeFailed(operation, code) {
      storeErrors.labels(operation, code).inc()
    },
  }
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = make()
    map.set(key, value)
  }
  return value
}
