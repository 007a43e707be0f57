// /metrics in the Prometheus text format (prom-client): core's events as counters, gauges and one
// histogram (CoreMetrics), store-wide numbers read at scrape time, and Node's own (event-loop lag, heap,
// GC, CPU). Label values are bounded: resources and protocols come from the config, rules are capped at
// MAX_RULES distinct values, store operations and error codes are closed sets.
import {
  AggregatorRegistry,
  Counter,
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client'
import type { AuditSinkStatus, CoreMetrics, OperationalCounts } from '../core/index.ts'
import { LeanHistogram, ResourceHistogram } from './lean-histogram.ts'

/** Beyond this many distinct rule labels, further rules count as `other` (a guard, not an expected case). */
const MAX_RULES = 200

/** Decision times are microseconds (a parse is cached per statement shape); the tail buckets catch stalls. */
const DECISION_BUCKETS_SECONDS = [
  0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.0025, 0.01, 0.05, 0.25,
]

/** Added latency: tens of microseconds for a cached allow, a store round trip for a write under `block`;
 * the tail catches a loaded event loop or a slow store. */
const ADDED_BUCKETS_SECONDS = [
  0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
  0.25, 1,
]

export interface PrometheusMetrics extends CoreMetrics {
  /** How an approval notification to a target ended (delivered, rejected, gave-up, aborted, dropped). */
  notificationSettled(target: string, outcome: string): void
  /** One batch of trace spans sent to the collector (`exported`) or lost with a failed export (`failed`). */
  traceSpansExported(result: 'exported' | 'failed', spans: number): void
  readonly contentType: string
  /** Where scrape-time numbers come from (core, once it exists). */
  readFrom(source: () => Promise<OperationalCounts>): void
  /** Where the audit export sinks' lag comes from (the exporter, in the primary process). */
  readAuditSinksFrom(source: () => Promise<AuditSinkStatus[]>): void
  /** This process's metrics as data, for the primary to add up (workers.ts). */
  snapshot(): Promise<ProcessMetrics>
  /** The text a scrape gets: this process's metrics, summed with `others` (the workers' snapshots). */
  render(others?: readonly ProcessMetrics[]): Promise<string>
}

export type ProcessMetrics = Array<MetricObjectWithValues<MetricValue<string>>>

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
  // The two per-statement metrics count in plain numbers (prom-client hashes the labels on every call,
  // ≈1–2 µs); a scrape copies them into the registry.
  const actionCounts = new Map<string, Map<string, Map<string, Map<string, { n: number }>>>>()
  new Counter({
    name: 'taskgate_actions_total',
    help: 'Statements and requests by decision (allow, deny, approve-first) and the rule that decided.',
    labelNames: ['resource', 'protocol', 'outcome', 'rule'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [resource, byProtocol] of actionCounts)
        for (const [protocol, byOutcome] of byProtocol)
          for (const [outcome, byRule] of byOutcome)
            for (const [rule, cell] of byRule) this.inc({ resource, protocol, outcome, rule }, cell.n)
    },
  })
  const decisionSeconds = new LeanHistogram(
    'taskgate_decision_duration_seconds',
    "Time core takes to decide one action that missed the protocol's decision cache.",
    DECISION_BUCKETS_SECONDS,
  )
  registry.registerMetric(decisionSeconds as unknown as Metric)
  const addedSeconds = new ResourceHistogram(
    'taskgate_added_latency_seconds',
    'Time the gateway adds to an allowed statement or request on its way to the target: classification, decision, row estimate and start record (stored, for a write under recording.onFailure block). Waits for a human approval are not included.',
    ADDED_BUCKETS_SECONDS,
  )
  registry.registerMetric(addedSeconds as unknown as Metric)
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
  const traceSpans = new Counter({
    name: 'taskgate_trace_spans_total',
    help: 'Trace spans sent to the OpenTelemetry collector (exported) or lost with a failed export (failed); only with traces on.',
    labelNames: ['result'] as const,
    registers: [registry],
  })
  const notifications = new Counter({
    name: 'taskgate_notifications_total',
    help: 'Approval notifications by target and how they ended; anything but delivered is a sink error.',
    labelNames: ['target', 'outcome'] as const,
    registers: [registry],
  })
  let counts: Promise<OperationalCounts | undefined> = Promise.resolve(undefined)
  new Gauge({
    name: 'taskgate_grants',
    help: 'Grants in the store by status (all gateways sharing the store see the same numbers).',
    labelNames: ['status'] as const,
    // Store-wide: summing it over the processes of one gateway would count each grant once per process.
    aggregator: 'max',
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

  // Read once per scrape by both sink gauges; the exporter runs in the primary only, so 'max' over processes.
  let sinkSource: (() => Promise<AuditSinkStatus[]>) | undefined
  let sinks: Promise<AuditSinkStatus[] | undefined> = Promise.resolve(undefined)
  const sinkGauge = (name: string, help: string, value: (s: AuditSinkStatus) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['sink', 'kind'] as const,
      aggregator: 'max',
      registers: [registry],
      async collect() {
        const read = await sinks
        this.reset()
        for (const status of read ?? []) this.set({ sink: status.id, kind: status.kind }, value(status))
      },
    })
  sinkGauge(
    'taskgate_audit_sink_lag_entries',
    'Audit entries written and not yet delivered to each export sink (head seq minus the sink cursor).',
    (s) => s.lag,
  )
  sinkGauge(
    'taskgate_audit_sink_dead_lettered_entries',
    'Audit entries an export sink gave up on (dead letters in the store).',
    (s) => s.deadLettered,
  )
  const readSinks = () => {
    sinks = sinkSource ? sinkSource().catch(() => undefined) : Promise.resolve(undefined)
  }

  const seenRules = new Set<string>()
  const ruleLabel = (rule: string | undefined): string => {
    const r = rule ?? ''
    if (seenRules.has(r)) return r
    if (seenRules.size >= MAX_RULES) return 'other'
    seenRules.add(r)
    return r
  }
  // Nested maps: once a label combination exists, the per-statement path allocates nothing.
  const actionCell = (resource: string, protocol: string, outcome: string, rule: string) => {
    const cell = actionCounts.get(resource)?.get(protocol)?.get(outcome)?.get(rule)
    if (cell) return cell
    const byProtocol = actionCounts.get(resource) ?? new Map()
    actionCounts.set(resource, byProtocol)
    const byOutcome = byProtocol.get(protocol) ?? new Map()
    byProtocol.set(protocol, byOutcome)
    const byRule = byOutcome.get(outcome) ?? new Map()
    byOutcome.set(outcome, byRule)
    const created = { n: 0 }
    byRule.set(rule, created)
    return created
  }

  return {
    contentType: registry.contentType,
    readFrom(read) {
      source = read
    },
    readAuditSinksFrom(read) {
      sinkSource = read
    },
    snapshot() {
      readSinks()
      counts = source ? source().catch(() => undefined) : Promise.resolve(undefined)
      return registry.getMetricsAsJSON() as Promise<ProcessMetrics>
    },
    async render(others = []) {
      readSinks()
      counts = source ? source().catch(() => undefined) : Promise.resolve(undefined)
      if (others.length === 0) return registry.metrics()
      const own = (await registry.getMetricsAsJSON()) as ProcessMetrics
      return AggregatorRegistry.aggregate([own, ...others]).metrics()
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
      actionCell(resource, protocol, outcome, ruleLabel(rule)).n++
    },
    decisionTimed(seconds) {
      decisionSeconds.observe(seconds)
    },
    addedLatency(resource, protocol, seconds) {
      addedSeconds.observe(resource, protocol, seconds)
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
    notificationSettled(target, outcome) {
      notifications.labels(target, outcome).inc()
    },
    traceSpansExported(result, spans) {
      traceSpans.labels(result).inc(spans)
    },
  }
}
