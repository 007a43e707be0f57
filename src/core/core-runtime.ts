// What core's operations share beyond CoreContext: the recording, budgets, rules per resource, what engines
// registered per kind, logins and metrics. Built once by create-core.ts; both ports read it.
import type { Logger } from 'pino'
import type { ResourceConfig } from '../config/schema.ts'
import type { AnomalyAudit } from './advice/anomaly-audit.ts'
import type { ApprovedActions } from './approvals/approved-actions.ts'
import type { AuditSinkStatus } from './audit/export/audit-exporter.ts'
import type { LoginAudit } from './audit/login-audit.ts'
import type { GrantBudgets } from './budgets/grant-budgets.ts'
import type { Grant } from './grants/grant.ts'
import type { PlanStatements } from './grants/grant-plan.ts'
import type { LoginGate } from './identity/login-gate.ts'
import type { MaskingContext } from './masking/masking-context.ts'
import type { MaskingProbe } from './masking/masking-test.ts'
import type { CoreMetrics } from './metrics/core-metrics.ts'
import type { Reclassify } from './policy/replay-policy.ts'
import type { ImplicitScope, Rules } from './policy/rules.ts'
import type { SessionRecording } from './recording/session-recording.ts'
import type { SessionEndRetries } from './sessions/session-end-retries.ts'

export interface CoreRuntime {
  metrics: CoreMetrics
  recording: SessionRecording
  budgets: GrantBudgets
  /** Anomaly signals audited at a grant request and after each session (advice/anomaly-audit.ts). */
  anomalies: AnomalyAudit
  approvedActions: ApprovedActions
  /** The rules in force on a resource (cached; cleared when an engine registers an implicit scope). */
  rulesFor(resource: ResourceConfig): Rules
  clearRules(): void
  maskingFor(resourceId: string, groups: readonly string[]): MaskingContext | undefined
  /** What engines registered, per resource kind (or, for masking probes, per resource). */
  registered: {
    implicitScopes: Map<string, ImplicitScope>
    reclassifiers: Map<string, Reclassify>
    planners: Map<string, PlanStatements>
    maskingProbes: Map<string, MaskingProbe>
  }
  loginAudit: LoginAudit
  loginGate: LoginGate
  sessionEnds: SessionEndRetries
  /** Throws TG_NOT_FOUND for an unknown id. */
  loadGrant(id: string): Promise<Grant>
  /** Set once the gateway drains (readiness turns not-ready). */
  draining: { value: boolean }
  auditCheckpointKey?: string
  auditSinkStatus?: () => Promise<AuditSinkStatus[]>
  logger: Logger
}
