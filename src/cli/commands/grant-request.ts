// `taskgate grant request`: declare a task, get a decision, and with --wait sit out the approval.
import { readFile } from 'node:fs/promises'
import type { ApiClient } from '../api-client.ts'
import type { CredentialJson, GrantJson, GrantRequestJson } from '../api-types.ts'
import { CliError, EXIT, usageError } from '../cli-error.ts'
import { type Command, type CommandContext, requireArgs, requireOption, stringOption } from '../command.ts'
import { printFields, relativeTime } from '../output.ts'

const POLL_MS = 500

export const grantRequestCommand: Command = {
  name: 'grant request',
  params: 'RESOURCE',
  summary: 'request task-scoped access to a resource',
  details:
    'Granted at once within the auto-approve scope; above it an approver decides (exit 0, status pending,\n' +
    'or with --wait: blocks until decided); beyond your ceiling it is denied (exit 3) naming the scope you\n' +
    'may request instead. --json prints {id, status, resource, scope, task, expiresAt, connection} (+ reason).',
  options: {
    scope: {
      type: 'string',
      value: 'S',
      description:
        "what the task touches: verb:object[,verb:object...] (or --from-plan); an SSH command entry runs to the next comma: 'exec:deploy:systemctl status *, shell:root'",
    },
    'from-plan': {
      type: 'string',
      value: 'FILE',
      description:
        "the statements the task will run (e.g. plan.sql): requests the least scope covering them, classified by the resource's own classifier; the approver sees them, and statements run outside them are flagged on the grant",
    },
    task: { type: 'string', value: 'T', required: true, description: 'why: the task this access is for' },
    ttl: {
      type: 'string',
      value: 'DURATION',
      description: 'how long (90s, 15m, 2h); over the policy maxTtl is denied',
    },
    'session-bound': { type: 'boolean', description: 'end the grant when its first session disconnects' },
    wait: { type: 'boolean', description: 'wait for an approver, then fetch the credential' },
    timeout: {
      type: 'string',
      value: 'DURATION',
      description: 'give up waiting after this long (default 15m)',
    },
  },
  async run(context) {
    const [resource] = requireArgs(context, 'RESOURCE')
    const scope = stringOption(context, 'scope')
    const planFile = stringOption(context, 'from-plan')
    if (scope === undefined && planFile === undefined)
      throw usageError('--scope is required (or --from-plan FILE)')
    if (scope !== undefined && planFile !== undefined)
      throw usageError(
        '--scope and --from-plan exclude each other: the scope of a plan is the least that covers it',
      )
    const body = {
      resource,
      ...(scope !== undefined ? { scope } : { plan: await readPlan(planFile!) }),
      task: requireOption(context, 'task'),
      ...(stringOption(context, 'ttl') ? { ttl: stringOption(context, 'ttl') } : {}),
      ...(context.options['session-bound'] ? { sessionBound: true } : {}),
    }
    const result = await context.api.post<GrantRequestJson>('/v1/grants', body)
    // What the approver sees as unusual about this request, said to the requester too (stderr: the
    // credential on stdout stays machine-readable).
    if (!context.json)
      for (const signal of result.evidence?.signals ?? [])
        context.io.stderr(
          `note: ${signal.message}${signal.items?.length ? `: ${signal.items.join(', ')}` : ''}\n`,
        )
    let { grant, credential } = result
    let reason = result.denial ? denialText(result.denial) : undefined
    if (grant.status === 'pending' && context.options.wait) {
      announceWait(context, grant)
      grant = await waitForDecision(
        context.api,
        grant.id,
        durationMs(stringOption(context, 'timeout') ?? '15m'),
      )
      if (grant.status === 'active')
        credential = await context.api.post<CredentialJson>(`/v1/grants/${grant.id}/credential`)
      else reason = grant.decisionReason ?? grant.endReason
    }
    report(context, grant, credential, reason)
    return grant.status === 'denied' ? EXIT.denied : grant.status === 'ended' ? EXIT.error : EXIT.ok
  },
}

function denialText(denial: { reason: string; allowed: string[] }): string {
  // A ceiling denial's reason already names what may be requested.
  if (denial.reason.includes('you may request')) return denial.reason
  const allowed = denial.allowed.length > 0 ? denial.allowed.join(',') : 'nothing on this resource'
  return `${denial.reason} (you may request: ${allowed})`
}

function announceWait(context: CommandContext, grant: GrantJson): void {
  context.io.stderr(
    `waiting for approval of grant ${grant.id}` +
      (grant.approvalId ? ` (an approver runs: taskgate approve ${grant.approvalId} --reason R)` : '') +
      '\n',
  )
}

async function waitForDecision(api: ApiClient, id: string, timeoutMs: number): Promise<GrantJson> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const grant = await api.get<GrantJson>(`/v1/grants/${id}`)
    if (grant.status !== 'pending') return grant
    if (Date.now() >= deadline) {
      throw new CliError(
        'TG_CLI_WAIT_TIMEOUT',
        `grant ${id} is still pending; check later with \`taskgate grant show ${id}\``,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

function report(
  context: CommandContext,
  grant: GrantJson,
  credential?: CredentialJson,
  reason?: string,
): void {
  if (context.json) {
    const c = credential?.connection
    context.io.stdout(
      `${JSON.stringify(
        {
          id: grant.id,
          status: grant.status,
          resource: grant.resourceId,
          scope: grant.scope.join(','),
          task: grant.task,
          expiresAt: credential?.expiresAt ?? grant.expiresAt ?? null,
          connection: c
            ? { host: c.host, port: c.port, user: c.user, password: c.password, database: c.database ?? null }
            : null,
          ...(reason !== undefined && grant.status !== 'active' ? { reason } : {}),
        },
        null,
        2,
      )}\n`,
    )
    return
  }
  const c = credential?.connection
  printFields(context.io, [
    ['grant', grant.id],
    ['status', grant.status],
    ['resource', grant.resourceId],
    ['scope', grant.scope.join(',')],
    [
      'expires',
      grant.status === 'active' ? relativeTime(credential?.expiresAt ?? grant.expiresAt) : undefined,
    ],
    [
      'approval',
      grant.status === 'pending'
        ? `${grant.approvalId ?? '-'} (wait: taskgate grant show ${grant.id})`
        : undefined,
    ],
    ['reason', grant.status === 'active' ? undefined : reason],
    ['host', c?.host],
    ['port', c?.port],
    ['user', c?.user],
    ['password', c?.password],
    ['database', c?.database],
  ])
  if (c) context.io.stdout(`\nconnect with: taskgate connect ${grant.id} -- psql\n`)
}

function durationMs(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text)
  if (!match)
    throw new CliError(
      'TG_CLI_USAGE',
      `--timeout: expected a duration such as 90s, 15m or 2h, got "${text}"`,
      EXIT.usage,
    )
  return (
    Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd']
  )
}

async function readPlan(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new CliError(
      'TG_REQUEST_INVALID',
      `cannot read --from-plan ${file}: ${(error as NodeJS.ErrnoException).code}`,
    )
  }
}
