// Builds core: the shared context and runtime, the two ports over them (create-data-path-port.ts,
// create-control-plane-port.ts), and the background work (expiry sweeper, process registry, provisioning
// reconciler, session-end retries, login audit summaries) that close() stops.
import type { Logger } from 'pino'
import type { Config, ResourceConfig } from '../config/schema.ts'
import type { Store } from '../store/store.ts'
import { AnomalyAudit } from './advice/anomaly-audit.ts'
import type { Approval } from './approvals/approval.ts'
import { ApprovedActions } from './approvals/approved-actions.ts'
import type { ApprovalNotificationType } from './approvals/notify/notification.ts'
import type { AuditEventInput } from './audit/events.ts'
import type { AuditSinkStatus } from './audit/export/audit-exporter.ts'
import { hashEntry } from './audit/hash-chain.ts'
import { createLoginAudit, DEFAULT_LOGIN_AUDIT_LIMITS } from './audit/login-audit.ts'
import { GrantBudgets } from './budgets/grant-budgets.ts'
import { type Clock, systemClock } from './clock.ts'
import type { Core } from './core.ts'
import type { CoreContext } from './core-context.ts'
import type { CoreRuntime } from './core-runtime.ts'
import { createControlPlanePort } from './create-control-plane-port.ts'
import { createDataPathPort } from './create-data-path-port.ts'
import { TaskgateError } from './errors.ts'
import { startExpirySweeper } from './grants/expiry-sweeper.ts'
import { startProvisioningReconciler } from './grants/reconcile-provisioning.ts'
import { createBearerAuthenticator } from './identity/authenticate.ts'
import { verifyGatewayToken } from './identity/gateway-token.ts'
import { createLoginGate } from './identity/login-gate.ts'
import { isAdmin, type Principal } from './identity/principal.ts'
import { newId } from './ids.ts'
import { maskingContextFor } from './masking/masking-context.ts'
import { compileMaskingRules } from './masking/rules.ts'
import { type CoreMetrics, NO_METRICS } from './metrics/core-metrics.ts'
import { type CoreTracer, NO_TRACER } from './metrics/core-tracer.ts'
import { countStoreFailures } from './metrics/count-store-failures.ts'
import { traceStoreOperations } from './metrics/trace-store-operations.ts'
import type { Rules } from './policy/rules.ts'
import { rulesForResource } from './policy/rules-for-resource.ts'
import { SessionRecording } from './recording/session-recording.ts'
import { onSessionEndRequested } from './sessions/end-session.ts'
import { LiveSessions } from './sessions/live-sessions.ts'
import { startProcessRegistry } from './sessions/process-registry.ts'
import { SessionEndRetries } from './sessions/session-end-retries.ts'

export interface CoreOptions {
  config: Config
  store: Store
  logger: Logger
  clock?: Clock
  /** Verifies OIDC tokens; absent when no issuer is configured. */
  verifyOidc?: (token: string) => Promise<Principal>
  /** identity.tokenSigningKey, resolved: `tgt_` tokens (minted after a SAML sign-in) verify against it. */
  gatewayTokenKey?: string
  sweepIntervalMs?: number
  /** How often this process beats and when a silent peer counts as dead (process-registry.ts). */
  processRegistry?: { intervalMs?: number; deadAfterMs?: number }
  /** How often provisioning is reconciled (reconcile-provisioning.ts); 30 s by default. */
  reconcileIntervalMs?: number
  /** Called on every approval change (notifiers); must not block. */
  approvalListeners?: ApprovalListener[]
  /** `masking.hashKey`, already read from its secret; without it `hash` tokens are stable per process. */
  maskingHashKey?: string
  /** Counters and histograms for /metrics (api/prometheus-metrics.ts); none by default. */
  metrics?: CoreMetrics
  /** Spans of control-plane operations and data-path logins (src/telemetry/); none by default. */
  tracer?: CoreTracer
  /** The SIEM exporter's status (main.ts starts it in the primary process); no sinks when absent. */
  auditSinkStatus?: () => Promise<AuditSinkStatus[]>
  /** `retention.checkpointKey`, read from its secret: signs and verifies the audit retention checkpoint. */
  auditCheckpointKey?: string
}

export type ApprovalListener = (type: ApprovalNotificationType, approval: Approval) => void

/** Builds the core: the only place that knows how the operations are wired together. */
export function createCore(options: CoreOptions): Core {
  const ctx = createContext(options)
  const rt = createRuntime(ctx, options)
  const { logger, clock, store } = ctx
  const gatewayTokenKey = options.gatewayTokenKey
  const bearer = createBearerAuthenticator(
    store,
    options.verifyOidc,
    gatewayTokenKey === undefined
      ? undefined
      : (token) => verifyGatewayToken(gatewayTokenKey, token, clock.now()),
  )
  const sweeper = startExpirySweeper(ctx, options.sweepIntervalMs)
  const registry = startProcessRegistry(ctx, options.processRegistry)
  const reconciler = startProvisioningReconciler(ctx, options.reconcileIntervalMs)
  const stopSessionEnds = store.subscribe('session_end_requested', (payload) =>
    onSessionEndRequested(ctx, payload),
  )
  // A flood that stopped mid-minute still gets its summary written.
  const loginAuditTimer = setInterval(() => {
    rt.loginAudit.flush().catch((error: unknown) => logger.error({ err: error }, 'could not audit logins'))
  }, DEFAULT_LOGIN_AUDIT_LIMITS.windowMs)
  loginAuditTimer.unref()

  return {
    ...createControlPlanePort(ctx, rt, bearer),
    ...createDataPathPort(ctx, rt),
    async close() {
      stopSessionEnds()
      clearInterval(loginAuditTimer)
      await rt.loginAudit
        .flush(true)
        .catch((error: unknown) => logger.error({ err: error }, 'could not audit logins'))
      await sweeper.stop()
      await reconciler.stop()
      await rt.recording.close()
      await rt.sessionEnds.stop()
      await registry.stop()
    },
  }
}

function createContext(options: CoreOptions): CoreContext {
  const { config, logger } = options
  const metrics = options.metrics ?? NO_METRICS
  const counted = options.metrics ? countStoreFailures(options.store, metrics) : options.store
  // Without a tracer the store stays as it is: tracing off costs nothing per store call.
  const store = options.tracer ? traceStoreOperations(counted, options.tracer) : counted
  const clock = options.clock ?? systemClock
  const approvalListeners = new Set<ApprovalListener>(options.approvalListeners ?? [])
  return {
    config,
    store,
    clock,
    logger,
    resources: new Map<string, ResourceConfig>(config.resources.map((r) => [r.id, r])),
    provisioners: new Map(),
    addresses: new Map(),
    live: new LiveSessions(),
    processId: newId('p'),
    tracer: options.tracer ?? NO_TRACER,
    audit: (event: AuditEventInput) => store.audit.append(event, clock.now(), hashEntry),
    notify: (type, approval) => {
      for (const listener of approvalListeners) {
        try {
          listener(type, approval)
        } catch (error) {
          logger.error({ err: error }, 'approval listener failed')
        }
      }
    },
    isAdmin: (p) => isAdmin(p, config.identity.adminGroups),
    approverGroupsFor: (resourceId) => [
      ...new Set(
        config.policies
          .filter((p) => p.resources.includes('*') || p.resources.includes(resourceId))
          .flatMap((p) => p.approvers),
      ),
    ],
  }
}

function createRuntime(ctx: CoreContext, options: CoreOptions): CoreRuntime {
  const { config, store, clock, logger } = ctx
  const approvedActions = new ApprovedActions()
  const recording = new SessionRecording({
    onFailure: config.recording.onFailure,
    writeActions: (batch) => store.sessions.appendActions(batch),
    audit: ctx.audit,
    now: () => clock.now(),
    logger,
    takeApproval: (sessionId, text) => approvedActions.take(sessionId, text),
  })
  // Compiled once at start: a bad pattern or unknown detector stops the gateway with the key's path.
  const maskingRules = compileMaskingRules({ ...config.masking, hashKey: options.maskingHashKey })
  const maskingFor = (resourceId: string, groups: readonly string[]) =>
    maskingContextFor(maskingRules, resourceId, groups)
  const registered: CoreRuntime['registered'] = {
    implicitScopes: new Map(),
    reclassifiers: new Map(),
    planners: new Map(),
    maskingProbes: new Map(),
  }
  const rulesByResource = new Map<string, Rules>()
  const loginAudit = createLoginAudit(ctx.audit, clock)
  return {
    metrics: options.metrics ?? NO_METRICS,
    recording,
    budgets: new GrantBudgets(ctx),
    anomalies: new AnomalyAudit(ctx),
    approvedActions,
    rulesFor(resource) {
      let rules = rulesByResource.get(resource.id)
      if (!rules) {
        // Policy asks for the masking context of each statement it decides: one lookup by the grant's own
        // groups array (fixed for the grant's life) rather than a sorted key string and a new context.
        const contexts = new WeakMap<readonly string[], ReturnType<typeof maskingFor>>()
        rules = {
          ...rulesForResource(config, resource, registered.implicitScopes.get(resource.kind)),
          masking: (groups) => {
            if (contexts.has(groups)) return contexts.get(groups)
            const context = maskingFor(resource.id, groups)
            contexts.set(groups, context)
            return context
          },
        }
        rulesByResource.set(resource.id, rules)
      }
      return rules
    },
    clearRules: () => rulesByResource.clear(),
    maskingFor,
    registered,
    loginAudit,
    // Counted across every gateway sharing the store (replicas), not per process.
    loginGate: createLoginGate(loginAudit, config.limits.failedLogins, clock, logger, {
      store,
      processId: ctx.processId,
    }),
    sessionEnds: new SessionEndRetries(logger),
    async loadGrant(id) {
      const grant = await store.grants.get(id)
      if (!grant) throw new TaskgateError('TG_NOT_FOUND', { message: `No grant ${id}.` })
      return grant
    },
    draining: { value: false },
    ...(options.auditCheckpointKey ? { auditCheckpointKey: options.auditCheckpointKey } : {}),
    ...(options.auditSinkStatus ? { auditSinkStatus: options.auditSinkStatus } : {}),
    logger,
  }
}
