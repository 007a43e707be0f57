// `taskgate grant list|show|env|end|revoke|approve|deny`: everything about existing grants.
import { resourceKind } from '../../kinds/index.ts'
import type { ApiClient } from '../api-client.ts'
import type { ApprovalJson, CredentialJson, EvidenceJson, GrantJson } from '../api-types.ts'
import { CliError, usageError } from '../cli-error.ts'
import { withCertificateAuthority } from '../client-ca.ts'
import { withClientKey } from '../client-key.ts'
import { type Command, type CommandContext, requireArgs, requireOption, stringOption } from '../command.ts'
import { printFields, printJson, printTable, relativeTime, shortTime, truncate } from '../output.ts'

export const grantListCommand: Command = {
  name: 'grant list',
  summary: "your grants (everyone's with --all)",
  options: {
    all: { type: 'boolean', description: 'grants of every principal (admins and approvers)' },
    status: { type: 'string', value: 'S', description: 'only these states: pending,active,ended,denied' },
    resource: { type: 'string', value: 'ID', description: 'only grants on this resource' },
  },
  async run(context) {
    requireArgs(context)
    const { grants } = await context.api.get<{ grants: GrantJson[] }>('/v1/grants', {
      all: context.options.all ? true : undefined,
      status: stringOption(context, 'status'),
      resource: stringOption(context, 'resource'),
    })
    if (context.json) return printJson(context.io, grants)
    printTable(
      context.io,
      ['id', 'status', 'principal', 'resource', 'scope', 'expires', 'task'],
      grants.map((g) => [
        g.id,
        g.status,
        g.principalName,
        g.resourceId,
        truncate(g.scope.join(','), 40),
        g.status === 'active' ? relativeTime(g.expiresAt) : '-',
        truncate(g.task, 40),
      ]),
    )
  },
}

export const grantShowCommand: Command = {
  name: 'grant show',
  params: 'ID',
  summary: 'one grant, its state and decision',
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const g = await context.api.get<GrantJson>(`/v1/grants/${encodeURIComponent(id!)}`)
    const evidence = await context.api.get<EvidenceJson>(`/v1/grants/${encodeURIComponent(id!)}/evidence`)
    if (context.json) return printJson(context.io, { ...g, evidence })
    printFields(context.io, [
      ['grant', g.id],
      ['status', g.status],
      ['principal', `${g.principalName} (${g.principalId})`],
      ['resource', g.resourceId],
      ['scope', g.scope.join(',')],
      ['task', g.task],
      ['requested', shortTime(g.requestedAt)],
      ['active since', g.activatedAt ? shortTime(g.activatedAt) : undefined],
      ['expires', g.expiresAt ? `${shortTime(g.expiresAt)} (${relativeTime(g.expiresAt)})` : undefined],
      ['ended', g.endedAt ? `${shortTime(g.endedAt)} (${g.endReason ?? '-'})` : undefined],
      ['decided by', g.decidedBy],
      ['reason', g.decisionReason],
      ['approval', g.approvalId],
      ['session-bound', g.sessionBound ? 'yes' : undefined],
      ['plan', g.plan ? `${g.plan.length} statements` : undefined],
      ['off the plan', g.offPlan ? `${g.offPlan.count} statements` : undefined],
    ])
    if (g.budget) printBudget(context, g.budget)
    printEvidence(context, evidence)
    if (g.plan) {
      context.io.stdout('\nplanned statements\n')
      for (const text of g.plan) context.io.stdout(`  ${truncate(text.replace(/\s+/g, ' '), 120)}\n`)
    }
    if (g.offPlan && g.offPlan.statements.length > 0) {
      context.io.stdout('\nrun outside the plan\n')
      for (const s of g.offPlan.statements)
        context.io.stdout(
          `  ${s.sessionId}#${s.seq} ${s.outcome}: ${truncate(s.text.replace(/\s+/g, ' '), 100)}\n`,
        )
    }
  },
}

/** Single-quoted for sh: safe whatever the value holds. */
const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

export const grantEnvCommand: Command = {
  name: 'grant env',
  params: 'ID',
  summary:
    'print `export PG...` (PostgreSQL), `export MYSQL_...` (MySQL), `export TASKGATE_HTTP_URL/TASKGATE_HTTP_TOKEN` (HTTP) or `export TASKGATE_SSH_...` (SSH) lines for an active grant (issues it one more credential)',
  details:
    'Use as: eval "$(taskgate grant env ID)". Each run issues a new user and password; earlier ones keep working until the grant ends (a grant holds at most 20: the oldest is revoked first). For a MySQL grant a comment line follows with the `mysql` command line to run (the client reads no user name from the environment); for an HTTP grant, the `curl` command line (the token goes as a bearer token); for an SSH grant the login key is written (0600) and the comment shows the `ssh -p PORT -i KEY USER@HOST` line.',
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const credential = await context.api.post<CredentialJson>(
      `/v1/grants/${encodeURIComponent(id!)}/credential`,
    )
    const kind = resourceKind(credential.connection.kind ?? 'postgres')
    const connection = await withCertificateAuthority(
      await withClientKey(kind, credential.connection, context.io.env),
      context.io.env,
    )
    const env = kind.client.environment(connection)
    if (context.json) return printJson(context.io, env)
    for (const [name, value] of Object.entries(env))
      context.io.stdout(`export ${name}=${shellQuote(value)}\n`)
    // Clients that read no variable for some field (mysql: the user; curl: the token; ssh: all) get the line to run.
    const needsArguments = ['mysql', 'curl'].some(
      (client) => kind.client.argumentsFor(client, connection).length > 0,
    )
    if (needsArguments || kind.client.privateKey)
      context.io.stdout(`# then: ${kind.client.commandLine(connection)}\n`)
  },
}

export const grantEndCommand: Command = {
  name: 'grant end',
  params: 'ID',
  summary: 'end your grant: the task is done (open sessions close)',
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    printGrantChange(
      context,
      await context.api.post<GrantJson>(`/v1/grants/${encodeURIComponent(id!)}/end`),
      'ended',
    )
  },
}

export const grantRevokeCommand: Command = {
  name: 'grant revoke',
  params: 'ID',
  summary: "revoke someone's grant (admins and approvers)",
  options: {
    reason: { type: 'string', value: 'R', required: true, description: 'why (recorded in the audit log)' },
  },
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const reason = requireOption(context, 'reason')
    const grant = await context.api.post<GrantJson>(`/v1/grants/${encodeURIComponent(id!)}/revoke`, {
      reason,
    })
    printGrantChange(context, grant, 'revoked')
  },
}

function printGrantChange(context: CommandContext, grant: GrantJson, verb: string): void {
  if (context.json) printJson(context.io, grant)
  else
    context.io.stdout(
      `grant ${grant.id} ${verb} (status ${grant.status}${grant.endReason ? `, ${grant.endReason}` : ''})\n`,
    )
}

/** The pending approval a grant waits on. */
async function pendingApprovalOf(api: ApiClient, grantId: string): Promise<ApprovalJson> {
  const { approvals } = await api.get<{ approvals: ApprovalJson[] }>('/v1/approvals', {
    grantId,
    status: 'pending',
  })
  const approval = approvals.find((a) => a.subject === 'grant') ?? approvals[0]
  if (!approval)
    throw new CliError(
      'TG_NOT_FOUND',
      `Grant ${grantId} has no pending approval; check it with \`taskgate grant show ${grantId}\`.`,
    )
  return approval
}

const grantVerdictCommand = (verdict: 'approve' | 'deny'): Command => ({
  name: `grant ${verdict}`,
  params: 'ID',
  summary: `${verdict} the pending request of grant ID (never your own)`,
  options: {
    reason: {
      type: 'string',
      value: 'R',
      required: true,
      description: verdict === 'deny' ? 'why, for the requester' : 'why you approve (recorded, audited)',
    },
  },
  async run(context) {
    const [grantId] = requireArgs(context, 'ID')
    const reason = requireReason(context, verdict)
    const approval = await pendingApprovalOf(context.api, grantId!)
    return decideApproval(context, approval.id, verdict, reason)
  },
})

export const grantApproveCommand = grantVerdictCommand('approve')
export const grantDenyCommand = grantVerdictCommand('deny')

/** Every approval decision carries a reason; checked before any request, with the flag to add. */
export function requireReason(context: CommandContext, verdict: 'approve' | 'deny'): string {
  const reason = context.options.reason
  if (typeof reason !== 'string' || reason.trim() === '')
    throw usageError(
      `--reason is required: say why you ${verdict} (it is recorded with your decision${verdict === 'deny' ? ' and shown to the requester' : ''})`,
    )
  return reason.trim()
}

/** Shared by `grant approve|deny` and `approve|deny`. */
export async function decideApproval(
  context: CommandContext,
  approvalId: string,
  verdict: 'approve' | 'deny',
  reason: string,
): Promise<number> {
  const approval = await context.api.post<ApprovalJson>(
    `/v1/approvals/${encodeURIComponent(approvalId)}/${verdict}`,
    { reason },
  )
  if (context.json) printJson(context.io, approval)
  else
    context.io.stdout(
      `approval ${approval.id} ${approval.status} (grant ${approval.grantId}, ${approval.requesterName})\n`,
    )
  return 0
}

/** Each metric of the budget: used against its thresholds, and which were crossed. */
function printBudget(context: CommandContext, budget: NonNullable<GrantJson['budget']>): void {
  context.io.stdout('\nexfiltration budget (this gateway process)\n')
  for (const metric of ['rows', 'bytes', 'statements', 'tables'] as const) {
    const limits = budget.limits[metric]
    if (!limits) continue
    const levels = (['warn', 'hold', 'end'] as const)
      .filter((level) => limits[level] !== undefined)
      .map(
        (level) =>
          `${level} ${limits[level]}${budget.crossed.includes(`${metric}:${level}`) ? ' (crossed)' : ''}`,
      )
    context.io.stdout(
      `  ${metric.padEnd(10)} ${String(budget.used[metric]).padStart(12)}  ${levels.join(', ')}\n`,
    )
  }
}

/** Similar earlier tasks and anomaly signals, from recordings. */
function printEvidence(context: CommandContext, evidence: EvidenceJson): void {
  context.io.stdout(
    `\nsimilar earlier tasks: ${evidence.similar.length}${evidence.pastUsed.length ? ` (used ${evidence.pastUsed.join(',')})` : ''}\n`,
  )
  if (evidence.signals.length === 0) return
  context.io.stdout('anomaly signals\n')
  for (const s of evidence.signals)
    context.io.stdout(`  ${s.kind}: ${s.message}${s.items?.length ? `: ${s.items.join(', ')}` : ''}\n`)
}
