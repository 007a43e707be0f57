// The control-plane port: what the API, the CLI (through the API) and the MCP tools ask of core for a
// principal — identity, resources, grants, approvals, masking tests, recordings, audit and operations. One
// file per operation behind it (grants/request-grant.ts, …); wired by create-control-plane-port.ts.
import type { Config, ResourceConfig } from '../../config/schema.ts'
import type { ApprovalFilter, AuditFilter, GrantFilter, SessionFilter } from '../../store/store.ts'
import type { AdviceFilter, ScopeAdvice } from '../advice/advise-scopes.ts'
import type { GrantEvidence } from '../advice/grant-evidence.ts'
import type { Approval } from '../approvals/approval.ts'
import type { ApprovalRisk } from '../approvals/approval-risk.ts'
import type { AuditEntry, AuditEventInput } from '../audit/events.ts'
import type { AuditSinkStatus } from '../audit/export/audit-exporter.ts'
import type { LoginAttempt } from '../audit/login-audit.ts'
import type { RetentionResult } from '../audit/retention-result.ts'
import type { AuditLogVerification, ChainHead } from '../audit/verify-audit-log.ts'
import type { GrantBudgetView } from '../budgets/grant-budgets.ts'
import type { Grant } from '../grants/grant.ts'
import type { OffPlanStatement } from '../grants/grant-plan.ts'
import type { GrantRequestInput, GrantRequestResult } from '../grants/grant-request-input.ts'
import type { IssuedCredential } from '../grants/issued-credential.ts'
import type { Scope } from '../grants/scope.ts'
import type { Principal } from '../identity/principal.ts'
import type { ServiceAccount } from '../identity/service-account.ts'
import type { MaskingTestInput, MaskingTestResult } from '../masking/masking-test.ts'
import type { OperationalCounts } from '../metrics/core-metrics.ts'
import type { Readiness } from '../metrics/readiness.ts'
import type { PolicyReplay } from '../policy/replay-policy.ts'
import type { ActionRecord, SessionRecord, SessionSummary } from '../recording/events.ts'
import type { CoreBasics } from './data-path-port.ts'

export interface ControlPlanePort extends CoreBasics {
  // identity
  /**
   * A bearer token (OIDC access/ID token, service-account key, or local admin key) -> Principal. With
   * `login`, the attempt is audited: a console sign-in always; an API request when it fails and the first
   * time a token succeeds (so each CLI login, key or token refresh is one `login.succeeded`, not one per call).
   */
  authenticate(bearer: string, login?: LoginAttempt): Promise<Principal>
  createServiceAccount(
    actor: Principal,
    input: { name: string; groups: string[]; kind?: 'agent' | 'service' },
  ): Promise<{ account: ServiceAccount; key: string }>
  listServiceAccounts(actor: Principal): Promise<ServiceAccount[]>
  /** New key for an account (administrators, or the account itself); the old key stops working at once. */
  rotateServiceAccountKey(actor: Principal, name: string): Promise<{ account: ServiceAccount; key: string }>
  /** Administrators: the key stops working and the account's live grants end (their sessions close). */
  disableServiceAccount(actor: Principal, name: string, reason: string): Promise<ServiceAccount>
  /** Administrators: as disable, and the account leaves the list; its name stays taken. */
  deleteServiceAccount(actor: Principal, name: string, reason: string): Promise<void>

  // resources
  /** Resources this principal could request, each with its ceiling. */
  listResources(actor: Principal): Array<{
    resource: ResourceConfig
    ceiling: Scope
    autoApprove: Scope
    /** Where clients connect, once the engine listens (port 0 resolved, `listen.advertise` applied). */
    address?: { host: string; port: number }
    hostKey?: string
  }>

  // grants
  requestGrant(actor: Principal, input: GrantRequestInput): Promise<GrantRequestResult>
  getGrant(actor: Principal, id: string): Promise<Grant>
  /** Evidence on a grant from what is recorded: similar earlier tasks of the principal, what they used,
   * anomaly signals (including from what this grant ran). Who may see the grant. */
  grantEvidence(actor: Principal, id: string): Promise<GrantEvidence>
  /** The grant's exfiltration budget and what it used in this process; undefined when no budget applies.
   * Who may see the grant. */
  grantBudget(actor: Principal, id: string): Promise<GrantBudgetView | undefined>
  /** For a grant requested from a plan: the recorded statements of its sessions not in the plan (at most
   * 50, newest session first, and how many in all); undefined for a grant without a plan. Who may see the grant. */
  offPlanStatements(
    actor: Principal,
    id: string,
  ): Promise<{ count: number; statements: OffPlanStatement[] } | undefined>
  listGrants(actor: Principal, filter: GrantFilter): Promise<Grant[]>
  /** Issues (or re-issues, invalidating the previous) the credential of an active grant, for its owner. */
  issueCredential(actor: Principal, grantId: string): Promise<IssuedCredential>
  endGrant(actor: Principal, grantId: string): Promise<Grant>
  revokeGrant(actor: Principal, grantId: string, reason: string): Promise<Grant>

  // approvals
  listApprovals(actor: Principal, filter: ApprovalFilter): Promise<Approval[]>
  getApproval(actor: Principal, id: string): Promise<Approval>
  /** An approver's verdict; every decision carries a reason (TG_APPROVAL_REASON_REQUIRED without one). */
  decideApproval(actor: Principal, id: string, verdict: 'approve' | 'deny', reason: string): Promise<Approval>
  /** For a grant request the caller may see: requested scope against auto-approve and ceiling. */
  approvalRisk(approval: Approval): Promise<ApprovalRisk | undefined>
  /** For an approval the caller may see: the evidence on its grant (a held statement's includes what the
   * grant ran so far); undefined when the grant is no longer stored. */
  approvalEvidence(approval: Approval): Promise<GrantEvidence | undefined>

  // masking
  /** Administrators: runs a query read-only on the target and shows what the rules for `groups` mask. */
  testMasking(actor: Principal, input: MaskingTestInput): Promise<MaskingTestResult>
  // recording and audit
  listSessions(actor: Principal, filter: SessionFilter): Promise<SessionSummary[]>
  getSession(actor: Principal, id: string): Promise<{ session: SessionRecord; actions: ActionRecord[] }>
  /** Administrators and approvers: per grant the scope requested against what its actions needed, narrower
   * policies per group and resource (with a diff of the `policies:` section), and per task cluster a scope. */
  adviseScopes(actor: Principal, filter: AdviceFilter): Promise<ScopeAdvice>
  /** Administrators and approvers: recorded statements since `since` decided again under a candidate
   * configuration (its policies, guardrails and masking rules), with what would change. */
  replayPolicy(actor: Principal, input: { candidate: Config; since: Date }): Promise<PolicyReplay>
  /** Administrators and the resource's approvers: closes one live session (its grant stays active). */
  endSession(actor: Principal, id: string, reason: string): Promise<SessionRecord>
  audit(event: AuditEventInput): Promise<AuditEntry>
  listAudit(actor: Principal, filter: AuditFilter): Promise<AuditEntry[]>
  /** Verifies the chain, that it reaches the head the store recorded, and that it holds `anchor` (a head
   * noted earlier, kept outside the store) unchanged. */
  verifyAudit(actor: Principal, anchor?: ChainHead): Promise<AuditLogVerification>
  /** Where each SIEM export sink stands (cursor, lag, dead letters, last error); empty without sinks. */
  auditSinks(actor: Principal): Promise<AuditSinkStatus[]>
  /** Applies the retention policies now (administrators; the gateway also runs it every retention.interval). */
  runRetention(actor: Principal): Promise<RetentionResult>
  /** Places a legal hold on a session (administrators): retention never removes its recording. */
  holdSession(actor: Principal, sessionId: string, reason: string): Promise<void>
  /** Releases a session's legal hold (administrators). */
  releaseSession(actor: Principal, sessionId: string): Promise<void>

  // operations
  /** Whether this process should take traffic: store reachable and migrated, every listener bound. */
  readiness(): Promise<Readiness>
  /** Store-wide grant counts and this process's recording backlog, for a metrics scrape. */
  operationalCounts(): Promise<OperationalCounts>
}
