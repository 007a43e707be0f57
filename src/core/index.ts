// core's public surface: the only import path for protocols/, api/ and cli/.

/** The store's short-lived shared entries (console sessions, sign-ins in flight), as the API uses them. */
export type { SharedStateKind, SharedStateStore } from '../store/store.ts'
export type { AdviceFilter, ScopeAdvice } from './advice/advise-scopes.ts'
export type { AnomalySignal, GrantEvidence } from './advice/grant-evidence.ts'
export type { GrantUsage } from './advice/grant-usage.ts'
export type { PolicySuggestion } from './advice/policy-suggestion.ts'
export type { TaskCluster } from './advice/task-clusters.ts'
export type { Approval } from './approvals/approval.ts'
export type { ApprovalRisk } from './approvals/approval-risk.ts'
export type { HeldAction } from './approvals/held-action.ts'
export { actionDigest } from './approvals/hold-action.ts'
export type {
  ApprovalNotification,
  ApprovalNotificationType,
  NotificationPayload,
} from './approvals/notify/notification.ts'
export { APPROVAL_NOTIFICATION_TYPES, notificationPayload } from './approvals/notify/notification.ts'
export type { NotificationTarget, Notifier, NotifierOptions } from './approvals/notify/notifier.ts'
export { createNotifier } from './approvals/notify/notifier.ts'
export { resolveNotificationTargets } from './approvals/notify/resolve-targets.ts'
export { SLACK_ACTION, slackMessage } from './approvals/notify/slack-message.ts'
export { signWebhookBody, verifyWebhookSignature } from './approvals/notify/webhook-signature.ts'
export type { AuditEntry, AuditEventInput, AuditEventType } from './audit/events.ts'
export { AUDIT_EVENT_TYPES } from './audit/events.ts'
export type { AuditExporter, AuditSinkStatus } from './audit/export/audit-exporter.ts'
export { startAuditExporter } from './audit/export/audit-exporter.ts'
export { resolveAuditSinks } from './audit/export/resolve-sinks.ts'
export { GENESIS_HASH, hashEntry } from './audit/hash-chain.ts'
export type { LoginAttempt } from './audit/login-audit.ts'
export type { RetentionResult } from './audit/retention-result.ts'
export { scheduleRetention } from './audit/retention-schedule.ts'
export type { AuditLogVerification, ChainHead } from './audit/verify-audit-log.ts'
export { verifyChain } from './audit/verify-chain.ts'
export type { BudgetVerdict, GrantBudgetView, ResultRead } from './budgets/grant-budgets.ts'
export type { Clock } from './clock.ts'
export { ManualClock, systemClock } from './clock.ts'
export type { Core } from './core.ts'
export type { ApprovalListener, CoreOptions } from './create-core.ts'
export { createCore } from './create-core.ts'
export type { ErrorCode, ErrorKind } from './errors.ts'
export { ERRORS, isTaskgateError, TaskgateError, toTaskgateError } from './errors.ts'
export { formPairs } from './form-pairs.ts'
export { globMatches } from './glob-match.ts'
export type { Credential, CredentialVerifiers } from './grants/credential.ts'
export { parseDurationSeconds } from './grants/duration.ts'
export type { Grant, GrantEndReason, GrantStatus } from './grants/grant.ts'
export type { GrantPlan, OffPlanStatement, PlannedStatement, PlanStatements } from './grants/grant-plan.ts'
export type { GrantProvisioner } from './grants/grant-provisioner.ts'
export type { GrantRequestInput, GrantRequestResult } from './grants/grant-request-input.ts'
export type { IssuedCredential } from './grants/issued-credential.ts'
export type { Scope, ScopeEntry } from './grants/scope.ts'
export {
  formatScope,
  formatScopeEntry,
  MAX_SCOPE_ENTRIES,
  MAX_SCOPE_ENTRY_LENGTH,
  objectMatches,
  parseScope,
  parseScopeEntry,
  scopeCovers,
  scopeObjectProblem,
} from './grants/scope.ts'
export { SCOPE_VERBS, unknownVerbProblem } from './grants/scope-verbs.ts'
export { mintGatewayToken } from './identity/gateway-token.ts'
export type { OidcVerifier, OidcVerifierOptions } from './identity/oidc.ts'
export { createOidcVerifier } from './identity/oidc.ts'
export type { Principal } from './identity/principal.ts'
export type { ServiceAccount } from './identity/service-account.ts'
export { linearRegExpProblem } from './linear-regexp.ts'
export { BYTE_STYLE_GROWTH } from './masking/byte-styles.ts'
export { BUILTIN_DETECTOR_IDS } from './masking/detectors/builtin-detectors.ts'
export type { CustomDetectorConfig } from './masking/detectors/custom.ts'
export type { Detector, DetectorContext, Span } from './masking/detectors/detector.ts'
export { maskSecrets, mayHaveSecretBytes } from './masking/mask-secrets.ts'
export type { ColumnTypeHint, MaskingPlan, ResultColumn } from './masking/masker.ts'
export { maskValue, maskValueBytes, needsMasking, planMasking, takeMaskCounts } from './masking/masker.ts'
export type { MaskingContext } from './masking/masking-context.ts'
export { maskingContextFor } from './masking/masking-context.ts'
export type {
  MaskingProbe,
  MaskingTestColumn,
  MaskingTestInput,
  MaskingTestResult,
} from './masking/masking-test.ts'
export type { MaskingConfig, MaskingRule, MaskingRuleSet } from './masking/rules.ts'
export { compileMaskingRules } from './masking/rules.ts'
export type { MaskStyle } from './masking/styles.ts'
export { MASK_STYLES } from './masking/styles.ts'
export type { CoreMetrics, OperationalCounts } from './metrics/core-metrics.ts'
export type {
  CoreTracer,
  SpanName,
  StoreOperationSpan,
  TraceAttributes,
  TracedOperation,
} from './metrics/core-tracer.ts'
export type { Readiness } from './metrics/readiness.ts'
export type { Action, ComputedColumns } from './policy/action.ts'
export type { Decision, Denial, DenyCode } from './policy/decision.ts'
export { ALLOW } from './policy/decision.ts'
export type { DecisionData } from './policy/decision-data.ts'
export {
  DECISION_DATA_MARKER,
  decodeDecisionData,
  encodeDecisionData,
} from './policy/decision-data.ts'
export { DEFAULT_GUARDRAILS } from './policy/default-guardrails.ts'
export type {
  GrantReplay,
  PolicyReplay,
  Reclassify,
  ReplayChange,
  ReplayExample,
  ReplayOutcome,
} from './policy/replay-policy.ts'
export type { ImplicitScope } from './policy/rules.ts'
export type { ControlPlanePort } from './ports/control-plane-port.ts'
export type { DataPathPort } from './ports/data-path-port.ts'
export type { ActionRecord, SessionRecord, SessionSummary } from './recording/events.ts'
export type { GrantContext, SessionEnding, SessionHandle } from './sessions/session-handle.ts'
