// What the MCP tools need from the gateway's control plane, as plain JSON-shaped values. Two adapters:
// core-control-plane.ts (the MCP endpoint inside the gateway, calling core for an authenticated
// principal) and the `taskgate mcp` stdio command (calling the REST API with the CLI's token). The data
// path is the same for both: the resource's own protocol listener, with the grant's credential.
import type { ToolCallRecord, ToolName } from './tool-call-audit.ts'

export interface ResourceView {
  id: string
  kind: string
  description: string
  /** The widest scope this principal may be granted, as `verb:object` entries. */
  ceiling: string[]
  /** Requests within these entries are granted at once; anything else waits for an approver. */
  autoApprove: string[]
}

export interface GrantView {
  id: string
  resourceId: string
  scope: string[]
  task: string
  status: 'pending' | 'active' | 'ended' | 'denied'
  /** ISO 8601; present once active. */
  expiresAt?: string
  endReason?: string
  decisionReason?: string
  approvalId?: string
}

export interface ApprovalView {
  id: string
  subject: 'grant' | 'action'
  grantId: string
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled'
  rule: string
  reason: string
  summary: string
  decidedByName?: string
  decisionReason?: string
}

/** A grant's credential: the MCP server keeps it and never returns the password to the model. */
export interface DataPathCredential {
  grantId: string
  expiresAt: string
  /** `kind`: the resource kind (postgres, mysql, ...): it picks the data-path client (clients/index.ts). */
  connection: {
    kind?: string
    host: string
    port: number
    user: string
    password: string
    database?: string
    /** SSH: the gateway listener's host key (`ssh-ed25519 AAAA…`), pinned by the exec client. */
    hostKey?: string
    /** PEM of the listener's certificate when the gateway generated it: the TLS clients verify against it. */
    certificateAuthority?: string
  }
}

export interface GrantRequest {
  resourceId: string
  /** Give this or `plan`. */
  scope?: string[]
  /** The statements the task will run: the grant asks for the least scope covering them. */
  plan?: string
  task: string
  ttl?: string
}

export interface GrantRequestOutcome {
  grant: GrantView
  credential?: DataPathCredential
  /** For a denied request: what the principal may ask for on that resource. */
  allowed?: string[]
  /** Granted or pending: evidence from recordings the approver sees too — requested entries the caller's
   * similar earlier tasks never used, and anomaly signals (messages). */
  evidence?: RequestEvidence
}

export interface RequestEvidence {
  similarTasks: number
  widerThanPast: string[]
  signals: string[]
}

/**
 * Every method throws on failure with an error carrying a stable `code` (`TG_*`) and a client-safe
 * message: a TaskgateError in process, the API's problem code through REST.
 */
export interface ControlPlane {
  listResources(): Promise<ResourceView[]>
  requestGrant(request: GrantRequest): Promise<GrantRequestOutcome>
  getGrant(grantId: string): Promise<GrantView>
  getApproval(approvalId: string): Promise<ApprovalView>
  /** Issues one more credential of an active grant of the caller (earlier ones keep working, up to the
   * per-grant cap, past which the oldest is revoked). */
  issueCredential(grantId: string): Promise<DataPathCredential>
  endGrant(grantId: string): Promise<GrantView>
  /**
   * Writes one tool call to the audit log (`mcp.tool_called`). In process only (HTTP sessions): through
   * REST the agent's own process would be vouching for itself; there the gateway audits the requests it
   * serves for the call instead (withinToolCall, rest-tool-call-audit.ts).
   */
  recordToolCall?(call: ToolCallRecord): Promise<void>
  /**
   * Runs one tool call so that every control-plane request it makes names the call (REST only: the
   * stdio command sends toolCallHeaders with each request).
   */
  withinToolCall?<T>(call: ToolCallTag, run: () => Promise<T>): Promise<T>
}

/** Names one tool call to the gateway: which tool, in which MCP session, and a fresh id per call. */
export interface ToolCallTag {
  tool: ToolName
  mcpSession: string
  callId: string
}
