// The wire shapes of the API: zod schemas (documented in the OpenAPI document) and the functions that
// map core objects onto them. Dates leave as ISO 8601 strings, scopes as `verb:object` strings; hashes
// (service-account keys, credential verifiers) never leave.
import { z } from 'zod'
import type {
  ActionRecord,
  Approval,
  ApprovalRisk,
  AuditEntry,
  Grant,
  GrantEvidence,
  IssuedCredential,
  Principal,
  Scope,
  ServiceAccount,
  SessionRecord,
  SessionSummary,
} from '../core/index.ts'
import { formatScopeEntry } from '../core/index.ts'
import { evidenceDto, toEvidenceDto } from './evidence-dto.ts'

export const isoDate = z.string().meta({ format: 'date-time' })
const scope = z.array(z.string()).describe('scope entries, each `verb:object`')

const iso = (date: Date | undefined): string | undefined => date?.toISOString()
export const scopeStrings = (value: Scope): string[] => value.map(formatScopeEntry)

export const principalDto = z.object({
  id: z.string(),
  kind: z.enum(['person', 'agent', 'service', 'admin']),
  name: z.string(),
  groups: z.array(z.string()),
  via: z.enum(['oidc', 'saml', 'service-account', 'local', 'slack']),
})

export const toPrincipalDto = (p: Principal): z.infer<typeof principalDto> => ({
  id: p.id,
  kind: p.kind,
  name: p.name,
  groups: p.groups,
  via: p.via,
})

export const grantDto = z.object({
  id: z.string(),
  principalId: z.string(),
  principalName: z.string(),
  groups: z.array(z.string()),
  resourceId: z.string(),
  scope,
  task: z.string(),
  status: z.enum(['pending', 'active', 'ended', 'denied']),
  sessionBound: z.boolean(),
  ttlSeconds: z.number().int(),
  requestedAt: isoDate,
  activatedAt: isoDate.optional(),
  expiresAt: isoDate.optional(),
  endedAt: isoDate.optional(),
  endReason: z.enum(['expired', 'completed', 'revoked', 'session-closed', 'cancelled']).optional(),
  decidedBy: z.string().optional(),
  decisionReason: z.string().optional(),
  approvalId: z.string().optional(),
  plan: z
    .array(z.string())
    .optional()
    .describe('for a grant requested from a plan: its statements, as recorded (secrets redacted)'),
})

export const toGrantDto = (g: Grant): z.infer<typeof grantDto> => ({
  id: g.id,
  principalId: g.principalId,
  principalName: g.principalName,
  groups: g.groups,
  resourceId: g.resourceId,
  scope: scopeStrings(g.scope),
  task: g.task,
  status: g.status,
  sessionBound: g.sessionBound,
  ttlSeconds: g.ttlSeconds,
  requestedAt: g.requestedAt.toISOString(),
  activatedAt: iso(g.activatedAt),
  expiresAt: iso(g.expiresAt),
  endedAt: iso(g.endedAt),
  endReason: g.endReason,
  decidedBy: g.decidedBy,
  decisionReason: g.decisionReason,
  approvalId: g.approvalId,
  ...(g.plan ? { plan: g.plan.statements.map((s) => s.text) } : {}),
})

export const credentialDto = z
  .object({
    grantId: z.string(),
    resourceId: z.string(),
    username: z.string(),
    password: z
      .string()
      .describe('shown once; works until the grant ends or 20 newer credentials of the grant are issued'),
    expiresAt: isoDate,
    connection: z.object({
      kind: z.string().describe('the resource kind (postgres, mysql): which client variables apply'),
      host: z.string(),
      port: z.number().int(),
      user: z.string(),
      password: z.string(),
      database: z.string().optional(),
      certificateAuthority: z
        .string()
        .optional()
        .describe(
          "PEM of the CA the resource's listener is verified with (Kubernetes; HTTP when the gateway generated its certificate)",
        ),
      hostKey: z
        .string()
        .optional()
        .describe("the gateway's SSH host key (`ssh-ed25519 AAAA…`) for known_hosts (SSH)"),
    }),
  })
  .describe('the clear credential of an active grant, for its owner only')

export const toCredentialDto = (c: IssuedCredential): z.infer<typeof credentialDto> => ({
  grantId: c.grantId,
  resourceId: c.resourceId,
  username: c.username,
  password: c.password,
  expiresAt: c.expiresAt.toISOString(),
  connection: { ...c.connection },
})

export const approvalDto = z.object({
  id: z.string(),
  subject: z.enum(['grant', 'action']),
  grantId: z.string(),
  requesterId: z.string(),
  requesterName: z.string(),
  resourceId: z.string(),
  task: z.string(),
  summary: z.string(),
  rule: z.string(),
  reason: z.string(),
  approverGroups: z.array(z.string()),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']),
  createdAt: isoDate,
  expiresAt: isoDate,
  decidedAt: isoDate.optional(),
  decidedBy: z.string().optional(),
  decidedByName: z.string().optional(),
  decisionReason: z.string().optional(),
  consumedAt: isoDate.optional(),
  estimatedRows: z
    .number()
    .int()
    .optional()
    .describe('held statements: the row estimate a `rowsOver` guardrail read, when the gateway made one'),
  risk: z
    .object({
      requested: scope,
      autoApprove: scope.describe("what the requester's policies grant without an approver"),
      ceiling: scope.describe('the most the requester may hold on the resource'),
      widened: scope.describe('requested entries auto-approve does not cover: what approving adds'),
      plan: z
        .array(z.string())
        .optional()
        .describe('for a request from a plan: the statements the requested scope was derived from'),
      ttlSeconds: z.number().int().describe('how long the access would last once approved'),
    })
    .optional()
    .describe('grant requests that are pending: the requested scope against auto-approve and the ceiling'),
  evidence: evidenceDto.optional().describe('pending approvals: the evidence on the grant from recordings'),
})

type ApprovalRiskDto = NonNullable<z.infer<typeof approvalDto>['risk']>

const toApprovalRiskDto = (risk: ApprovalRisk): ApprovalRiskDto => ({
  requested: scopeStrings(risk.requested),
  autoApprove: scopeStrings(risk.autoApprove),
  ceiling: scopeStrings(risk.ceiling),
  widened: scopeStrings(risk.widened),
  ttlSeconds: risk.ttlSeconds,
  ...(risk.plan ? { plan: risk.plan } : {}),
})

export const toApprovalDto = (
  a: Approval,
  risk?: ApprovalRisk,
  evidence?: GrantEvidence,
): z.infer<typeof approvalDto> => ({
  id: a.id,
  subject: a.subject,
  grantId: a.grantId,
  requesterId: a.requesterId,
  requesterName: a.requesterName,
  resourceId: a.resourceId,
  task: a.task,
  summary: a.summary,
  rule: a.rule,
  reason: a.reason,
  approverGroups: a.approverGroups,
  status: a.status,
  createdAt: a.createdAt.toISOString(),
  expiresAt: a.expiresAt.toISOString(),
  decidedAt: iso(a.decidedAt),
  decidedBy: a.decidedBy,
  decidedByName: a.decidedByName,
  decisionReason: a.decisionReason,
  consumedAt: iso(a.consumedAt),
  estimatedRows: a.estimatedRows,
  risk: risk ? toApprovalRiskDto(risk) : undefined,
  evidence: evidence ? toEvidenceDto(evidence) : undefined,
})

export const serviceAccountDto = z.object({
  name: z.string(),
  groups: z.array(z.string()),
  kind: z.enum(['agent', 'service']),
  createdAt: isoDate,
  createdBy: z.string(),
  disabledAt: isoDate.optional(),
})

export const toServiceAccountDto = (s: ServiceAccount): z.infer<typeof serviceAccountDto> => ({
  name: s.name,
  groups: s.groups,
  kind: s.kind,
  createdAt: s.createdAt.toISOString(),
  createdBy: s.createdBy,
  disabledAt: iso(s.disabledAt),
})

export const sessionDto = z.object({
  id: z.string(),
  grantId: z.string(),
  principalId: z.string(),
  principalName: z.string(),
  resourceId: z.string(),
  protocol: z.string(),
  client: z.string(),
  startedAt: isoDate,
  endedAt: isoDate.optional(),
  endReason: z.string().optional(),
})

export const toSessionDto = (s: SessionRecord): z.infer<typeof sessionDto> => ({
  id: s.id,
  grantId: s.grantId,
  principalId: s.principalId,
  principalName: s.principalName,
  resourceId: s.resourceId,
  protocol: s.protocol,
  client: s.client,
  startedAt: s.startedAt.toISOString(),
  endedAt: iso(s.endedAt),
  endReason: s.endReason,
})

export const sessionSummaryDto = sessionDto.extend({
  task: z.string().describe("the grant's task"),
  actionCount: z.number().int().describe('actions recorded (statements, commands, requests)'),
  deniedCount: z.number().int().describe('of those, denied'),
})

export const toSessionSummaryDto = (s: SessionSummary): z.infer<typeof sessionSummaryDto> => ({
  ...toSessionDto(s),
  task: s.task,
  actionCount: s.actionCount,
  deniedCount: s.deniedCount,
})

export const actionDto = z.object({
  sessionId: z.string(),
  seq: z.number().int(),
  at: isoDate,
  kind: z.string(),
  text: z.string(),
  outcome: z.enum(['allow', 'deny', 'approve-first']),
  needs: scope
    .optional()
    .describe('the scope entries the action needed, as classified (implicit ones included)'),
  rule: z.string().optional(),
  reason: z.string().optional(),
  rowCount: z.number().int().optional(),
  durationMs: z.number().optional(),
  error: z.string().optional(),
  result: z
    .object({ columns: z.array(z.string()), rows: z.array(z.array(z.unknown())), truncated: z.boolean() })
    .optional(),
  masked: z.record(z.string(), z.number().int()).optional(),
  approvalId: z.string().optional().describe('the approval that let this held statement run'),
  approvedBy: z.string().optional().describe('principal id of the approver'),
  approvedByName: z.string().optional(),
})

export const toActionDto = ({ needs, ...a }: ActionRecord): z.infer<typeof actionDto> => ({
  ...a,
  at: a.at.toISOString(),
  ...(needs ? { needs: scopeStrings(needs) } : {}),
})

export const auditEntryDto = z.object({
  seq: z.number().int(),
  at: isoDate,
  type: z.string(),
  actor: z.string(),
  subject: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  prevHash: z.string(),
  hash: z.string(),
})

export const toAuditEntryDto = (e: AuditEntry): z.infer<typeof auditEntryDto> => ({
  seq: e.seq,
  at: e.at.toISOString(),
  type: e.type,
  actor: e.actor,
  subject: e.subject,
  data: e.data,
  prevHash: e.prevHash,
  hash: e.hash,
})

export const problemDto = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable error code, TG_*; docs/errors.md lists them'),
    detail: z.string(),
    ref: z.string().optional().describe('internal errors only: the reference in the gateway log'),
  })
  .describe('RFC 9457 problem details')
