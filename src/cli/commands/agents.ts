// `taskgate agents create|list|rotate|disable|delete`: service accounts for agents and automation.
import { usageError } from '../cli-error.ts'
import { type Command, requireArgs, requireOption, stringOption } from '../command.ts'
import { printJson, printTable, shortTime } from '../output.ts'

const reasonOption = {
  reason: { type: 'string', value: 'R', required: true, description: 'why (recorded in the audit log)' },
} as const

interface AccountJson {
  name: string
  groups: string[]
  kind: string
  createdAt: string
  createdBy: string
  disabledAt?: string
}

export const agentsCreateCommand: Command = {
  name: 'agents create',
  params: 'NAME',
  summary: 'create a service account; prints its key once',
  options: {
    groups: {
      type: 'string',
      value: 'a,b',
      required: true,
      description: 'groups the policies refer to (required)',
    },
    kind: { type: 'string', value: 'agent|service', description: 'default agent' },
  },
  async run(context) {
    const [name] = requireArgs(context, 'NAME')
    const groups = requireOption(context, 'groups')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean)
    const kind = stringOption(context, 'kind')
    if (kind !== undefined && kind !== 'agent' && kind !== 'service')
      throw usageError('--kind is agent or service')
    const created = await context.api.post<{ account: AccountJson; key: string }>('/v1/service-accounts', {
      name,
      groups,
      ...(kind ? { kind } : {}),
    })
    if (context.json) return printJson(context.io, created)
    context.io.stdout(
      `created ${created.account.kind} ${created.account.name} (groups ${created.account.groups.join(',')})\n`,
    )
    context.io.stdout(`key: ${created.key}\n`)
    context.io.stderr('store the key now: it is not shown again (use it as TASKGATE_TOKEN)\n')
  },
}

export const agentsListCommand: Command = {
  name: 'agents list',
  summary: 'service accounts',
  async run(context) {
    requireArgs(context)
    const { serviceAccounts } = await context.api.get<{ serviceAccounts: AccountJson[] }>(
      '/v1/service-accounts',
    )
    if (context.json) return printJson(context.io, serviceAccounts)
    printTable(
      context.io,
      ['name', 'kind', 'groups', 'created', 'disabled'],
      serviceAccounts.map((a) => [
        a.name,
        a.kind,
        a.groups.join(','),
        shortTime(a.createdAt),
        a.disabledAt ? shortTime(a.disabledAt) : '-',
      ]),
    )
  },
}

export const agentsRotateCommand: Command = {
  name: 'agents rotate',
  params: 'NAME',
  summary: "replace an account's key; the old key stops working at once, the new one is printed once",
  async run(context) {
    const [name] = requireArgs(context, 'NAME')
    const rotated = await context.api.post<{ account: AccountJson; key: string }>(
      `/v1/service-accounts/${encodeURIComponent(name!)}/rotate`,
    )
    if (context.json) return printJson(context.io, rotated)
    context.io.stdout(`key: ${rotated.key}\n`)
    context.io.stderr('store the key now: it is not shown again; the previous key no longer works\n')
  },
}

export const agentsDisableCommand: Command = {
  name: 'agents disable',
  params: 'NAME',
  summary: 'disable an account (admins): its key stops working, its grants end and their sessions close',
  options: reasonOption,
  async run(context) {
    const [name] = requireArgs(context, 'NAME')
    const account = await context.api.post<AccountJson>(
      `/v1/service-accounts/${encodeURIComponent(name!)}/disable`,
      { reason: requireOption(context, 'reason') },
    )
    if (context.json) return printJson(context.io, account)
    context.io.stdout(`disabled ${account.name}\n`)
  },
}

export const agentsDeleteCommand: Command = {
  name: 'agents delete',
  params: 'NAME',
  summary: 'delete an account (admins): as disable, and it leaves the list; its name stays reserved',
  options: reasonOption,
  async run(context) {
    const [name] = requireArgs(context, 'NAME')
    await context.api.delete(`/v1/service-accounts/${encodeURIComponent(name!)}`, {
      reason: requireOption(context, 'reason'),
    })
    if (context.json) return printJson(context.io, { name, deleted: true })
    context.io.stdout(`deleted ${name}\n`)
  },
}
