// The surface that protocols/, api/ and cli/ use (re-exported by core/index.ts). The implementation is
// create-core.ts; main.ts wires it to a store and the configuration.

import type { Config, ResourceConfig } from '../config/schema.ts'
import type { ApprovalFilter, AuditFilter, GrantFilter, SessionFilter } from '../store/store.ts'
import type { AdviceFilter, ScopeAdvice } from './advice/advise-scopes.ts'
import type { GrantEvidence } from './advice/grant-evidence.ts'
import type { Approval } from './approvals/approval.ts'
import type { ApprovalRisk } from './approvals/approval-risk.ts'
import type { AuditEntry, AuditEventInput } from './audit/events.ts'
import type { AuditSinkStatus } from './audit/export/audit-exporter.ts'
import type { LoginAttempt } from './audit/login-audit.ts'
import type { AuditPruneResult } from './audit/prune-audit.ts'
import type { AuditLogVerification, ChainHead } from './audit/verify-audit-log.ts'
import type { BudgetVerdict, GrantBudgetView, ResultRead } from './budgets/grant-budgets.ts'
import type { Clock } from './clock.ts'
import type { Credential } from './grants/credential.ts'
import type { Grant } from './grants/grant.ts'
import type { OffPlanStatement, PlanStatements } from './grants/grant-plan.ts'
import type { Scope } from './grants/scope.ts'
import type { Principal } from './identity/principal.ts'
import type { ServiceAccount } from './identity/service-account.ts'
import type { MaskingContext } from './masking/masking-context.ts'
import type { MaskingProbe, MaskingTestInput, MaskingTestResult } from './masking/masking-test.ts'
import type { OperationalCounts } from './metrics/core-metrics.ts'
import type { Readiness } from './metrics/readiness.ts'
import type { Action } from './policy/action.ts'
import type { Decision } from './policy/decision.ts'
import type { PolicyReplay, Reclassify } from './policy/replay-policy.ts'
import type { ImplicitScope } from './policy/rules.ts'
import type { ActionRecord, SessionRecord, SessionSummary } from './recording/events.ts'
import type { ActionInput, StartedAction } from './recording/session-recording.ts'

export interface GrantRequestInput {
  resourceId: string
  /** `verb:object` entries, as a list or the CLI's comma-separated text; absent when `plan` says it. */
  scope?: Scope | string
  /** The statements the task will run, in the resource's own language: the grant asks for the least scope
   * that covers them (instead of `scope`), the approver sees them, and statements run outside them are
   * flagged on the grant. */
  plan?: string
  task: string
  /** `15m`, `2h`, ...; defaults to the configured default TTL; over the policy's maxTtl is denied. */
  ttl?: string
  sessionBound?: boolean
}

/** What a requester gets back. `credential` is present only when the grant became active in this call. */
export interface GrantRequestResult {
  grant: Grant
  credential?: IssuedCredential
  /** For denials: what this principal may ask for on that resource. */
  allowed?: Scope
  /** For a grant granted or waiting for an approver: the principal's similar earlier tasks, what they used,
   * what this request asks beyond that, and anomaly signals (the approver sees the same). */
  evidence?: GrantEvidence
}

/** The clear secret, shown once to the grant's owner. */
export interface IssuedCredential {
  grantId: string
  resourceId: string
  username: string
  password: string
  expiresAt: Date
  /** `kind`: the resource kind, which says how a client uses the rest (src/kinds/). */
  connection: {
    kind: string
    host: string
    port: number
    user: string
    password: string
    database?: string
    /** PEM of the CA a client verifies the resource's listener with, when the engine generated it. */
    certificateAuthority?: string
  }
}

/** What the data path knows after a client proved a grant credential. */
export interface GrantContext {
  grant: Grant
  resource: ResourceConfig
}

/** A live client connection under a grant, as protocols register it. */
export interface SessionHandle {
  readonly id: string
  readonly grant: Grant
  readonly resource: ResourceConfig
  readonly protocol: string
  /** Called by core when the grant ends (`ending` 'grant') or an approver ends this one session while the
   * grant goes on ('session'): the protocol closes the connection with a native FATAL/close saying which. */
  close(reason: string, ending?: SessionEnding): void
  /** The engine reports what it relayed from the target to the client — bytes per chunk, rows per result
   * (or per chunk where it reads every row anyway) — for the grant's exfiltration budget. Cheap when no
   * budget applies. A verdict says what the engine does: relay a warning natively, pause reading the
   * upstream until `goOn` settles, or pause while core ends the grant (core closes the session). */
  countResult(read: ResultRead): BudgetVerdict | undefined
}

/** What a session's close ends: its grant (the credential stops working), or only this connection. */
export type SessionEnding = 'grant' | 'session'

/** Hooks a protocol registers per resource so grants are also enforced by the target (ephemeral roles). */
export interface GrantProvisioner {
  /** Runs before a grant becomes active; throwing keeps the grant from activating. */
  provision(grant: Grant): Promise<void>
  /** Runs after a grant ends; must be idempotent. */
  deprovision(grant: Grant): Promise<void>
  /** Ids of the grants that hold access on the target now (their ephemeral roles), so a periodic reconcile
   * removes what an end could not (the target was down) and what a failed activation left behind. */
  provisionedGrantIds?(): Promise<string[]>
}

/** A statement waiting for a human; `wait` resolves allow (once) or deny (denied, timed out, cancelled). */
export interface HeldAction {
  approvalId: string
  expiresAt: Date
  /** Aborting (client gone) expires the approval. */
  wait(signal?: AbortSignal): Promise<Decision>
}

export interface Core {
  readonly config: Config
  readonly clock: Clock

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
  listResources(actor: Principal): Array<{ resource: ResourceConfig; ceiling: Scope; autoApprove: Scope }>

  // grants
  requestGrant(actor: Principal, input: GrantRequestInput): Promise<GrantRequestResult>
  getGrant(actor: Principal, id: string): Promise<Grant>
  /** For a grant requested from a plan: the recorded statements of its sessions not in the plan (at most
   * 50, newest session first, and how many in all); undefined for a grant without a plan. Who may see the grant. */
  /** Evidence on a grant from what is recorded: similar earlier tasks of the principal, what they used,
   * anomaly signals (including from what this grant ran). Who may see the grant. */
  grantEvidence(actor: Principal, id: string): Promise<GrantEvidence>
  /** The grant's exfiltration budget and what it used in this process; undefined when no budget applies.
   * Who may see the grant. */
  grantBudget(actor: Principal, id: string): Promise<GrantBudgetView | undefined>
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

  // data path
  /** Looks up the credential for a login (a challenge-response login needs the verifier before the secret is proven). */
  findCredential(resourceId: string, username: string): Promise<Credential | undefined>
  /** Checks the grant behind a proven credential is live (throws TG_GRANT_NOT_ACTIVE otherwise); audits
   * the login either way. `client` is the client's address. */
  resolveLogin(credential: Credential, client?: string): Promise<GrantContext>
  /** Cleartext login: verifies the secret in constant time, then as resolveLogin; a wrong secret is audited. */
  authenticateCredential(
    resourceId: string,
    username: string,
    secret: string,
    client?: string,
  ): Promise<GrantContext>
  /** Throws TG_LOGIN_RATE_LIMITED (audited) when logins from `client` or naming `username` have failed too
   * often lately; a protocol calls it before it starts checking a secret itself (a challenge-response login). */
  admitLogin(resourceId: string, username: string, client?: string): Promise<void>
  /** A login the protocol itself refused (e.g. a challenge-response proof that failed): audited, rate-limited. */
  loginFailed(resourceId: string, username: string, reason: string, client?: string): Promise<void>
  openSession(input: {
    context: GrantContext
    protocol: string
    client: string
    close: (reason: string, ending?: SessionEnding) => void
  }): Promise<SessionHandle>
  /** Decides an action against the session's grant and rules. Synchronous (a pure pipeline over state
   * the session already holds), so a protocol can answer a statement without leaving the current tick. */
  decide(session: SessionHandle, action: Action): Decision
  /** Whether a guardrail with `rowsOver` could match `action` and nothing else denies it: the protocol then
   * estimates the rows (asynchronously) and passes them in `action.estimatedRows` to decide(). Pure and
   * synchronous, so a statement no such rule concerns costs nothing more. */
  wantsRowEstimate(session: SessionHandle, action: Action): boolean
  /**
   * For an approve-first decision: stores an Approval bound to `digest` (see actionDigest) and notifies
   * approvers. The protocol tells its client it is waiting (with the approval id), then awaits `wait()`.
   */
  holdAction(
    session: SessionHandle,
    decision: Extract<Decision, { outcome: 'approve-first' }>,
    action: Action,
    digest: string,
  ): Promise<HeldAction>
  /**
   * Records an allowed action as it starts (batched) and returns its seq, which recordAction completes with
   * the outcome. A `write` under `recording.onFailure: block` also gets `durable`: forward it only once that
   * resolves to allow; it resolves to a denial (already recorded) when the store could not take the record.
   */
  startAction(session: SessionHandle, record: ActionInput, options: { write: boolean }): StartedAction
  /** Records an action's outcome (batched; never awaited on the hot path): the record `seq` from
   * startAction, or a record of its own without it (a denial). */
  recordAction(session: SessionHandle, record: ActionInput, seq?: number): void
  closeSession(session: SessionHandle, reason: string): Promise<void>
  registerProvisioner(resourceId: string, provisioner: GrantProvisioner): void
  /** What sessions on a resource kind may do without asking (catalog reads, transaction control): the
   * protocol knows what its clients send on their own; core applies it in every decision. */
  registerImplicitScope(resourceKind: string, scope: ImplicitScope): void
  /** How a resource kind's recorded action text is classified again (its protocol's classifier), for
   * policy replay: the protocol registers it, so core reads no wire format. */
  registerReclassifier(resourceKind: string, reclassify: Reclassify): void
  /** How a resource kind splits and classifies a plan (grant requests from a plan, flagging what ran off it). */
  registerPlanner(resourceKind: string, planStatements: PlanStatements): void
  /** Tells core where a resource's protocol server really listens (for the connection details it hands out). */
  setResourceAddress(
    resourceId: string,
    address: { host: string; port: number; certificateAuthority?: string },
  ): void
  /** The gateway is shutting down and its listeners no longer accept: readiness reports not-ready from now on,
   * so a load balancer stops sending clients while live sessions finish. */
  beginDrain(): void

  // masking
  /** The masking rules in force for members of `groups` on a resource; undefined when none applies. */
  maskingFor(resourceId: string, groups: readonly string[]): MaskingContext | undefined
  /** A protocol registers how to run a masking test on its resource (see testMasking). */
  registerMaskingProbe(resourceId: string, probe: MaskingProbe): void
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

  // change feed
  /** Ids of grants or approvals that changed, in this process or another sharing the store; returns unsubscribe. */
  subscribe(channel: 'grant_changed' | 'approval_changed', listener: (id: string) => void): () => void

  // operations
  /** Whether this process should take traffic: store reachable and migrated, every listener bound. */
  readiness(): Promise<Readiness>
  /** Store-wide grant counts and this process's recording backlog, for a metrics scrape. */
  operationalCounts(): Promise<OperationalCounts>

  /** Stops timers and flushes the recorder. */
  close(): Promise<void>
}

/** What one retention run removed. */
export interface RetentionResult {
  audit: AuditPruneResult
  /** Sessions whose recordings were removed. */
  recordings: { sessions: number }
}
