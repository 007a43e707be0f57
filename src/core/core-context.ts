import type { Logger } from 'pino'
import type { Config, ResourceConfig } from '../config/schema.ts'
import type { Store } from '../store/store.ts'
import type { Approval } from './approvals/approval.ts'
import type { ApprovalNotificationType } from './approvals/notify/notification.ts'
import type { AuditEntry, AuditEventInput } from './audit/events.ts'
import type { Clock } from './clock.ts'
import type { GrantProvisioner } from './grants/grant-provisioner.ts'
import type { Principal } from './identity/principal.ts'
import type { CoreTracer } from './metrics/core-tracer.ts'
import type { LiveSessions } from './sessions/live-sessions.ts'

/** What the operations of core share; built once by createCore. */
export interface CoreContext {
  config: Config
  store: Store
  clock: Clock
  logger: Logger
  resources: Map<string, ResourceConfig>
  provisioners: Map<string, GrantProvisioner>
  /** Where each resource's protocol server actually listens (the configured port may be 0). */
  addresses: Map<string, { host: string; port: number; certificateAuthority?: string; hostKey?: string }>
  live: LiveSessions
  /** This process's id in the store's registry of gateway processes (process-registry.ts). */
  processId: string
  /** Spans of control-plane operations and data-path logins; NO_TRACER unless tracing is on. */
  tracer: CoreTracer
  audit(event: AuditEventInput): Promise<AuditEntry>
  /** Tells approvers (webhooks, Slack, the console's event stream); never blocks or throws. */
  notify(type: ApprovalNotificationType, approval: Approval): void
  isAdmin(principal: Principal): boolean
  /** Groups that may approve anything on the resource (union over policies). */
  approverGroupsFor(resourceId: string): string[]
}
