// `taskgate sessions list|show|end`: recorded client connections and the decision on each action.
import { type Command, requireArgs, requireOption, stringOption } from '../command.ts'
import { printFields, printJson, printTable, shortTime, truncate } from '../output.ts'

interface SessionJson {
  id: string
  grantId: string
  principalName: string
  resourceId: string
  protocol: string
  client: string
  startedAt: string
  endedAt?: string
  endReason?: string
}

interface ActionJson {
  seq: number
  at: string
  kind: string
  text: string
  outcome: string
  rule?: string
  reason?: string
  rowCount?: number
  needs?: string[]
}

export const sessionsListCommand: Command = {
  name: 'sessions list',
  summary: 'recorded sessions, newest first',
  options: {
    grant: { type: 'string', value: 'ID', description: 'only sessions under this grant' },
    resource: { type: 'string', value: 'ID', description: 'only sessions on this resource' },
    denied: { type: 'boolean', description: 'only sessions with a denied action' },
    limit: { type: 'string', value: 'N', description: 'at most N (default 50)' },
  },
  async run(context) {
    requireArgs(context)
    const { sessions } = await context.api.get<{ sessions: SessionJson[] }>('/v1/sessions', {
      grant: stringOption(context, 'grant'),
      resource: stringOption(context, 'resource'),
      deniedOnly: context.options.denied ? true : undefined,
      limit: stringOption(context, 'limit') ?? 50,
    })
    if (context.json) return printJson(context.io, sessions)
    printTable(
      context.io,
      ['id', 'principal', 'resource', 'protocol', 'started', 'ended'],
      sessions.map((s) => [
        s.id,
        s.principalName,
        s.resourceId,
        s.protocol,
        shortTime(s.startedAt),
        s.endedAt ? `${shortTime(s.endedAt)} (${s.endReason ?? '-'})` : 'live',
      ]),
    )
  },
}

export const sessionsShowCommand: Command = {
  name: 'sessions show',
  params: 'ID',
  summary: 'one session and its actions with their decisions',
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const detail = await context.api.get<{ session: SessionJson; actions: ActionJson[] }>(
      `/v1/sessions/${encodeURIComponent(id!)}`,
    )
    if (context.json) return printJson(context.io, detail)
    const s = detail.session
    printFields(context.io, [
      ['session', s.id],
      ['grant', s.grantId],
      ['principal', s.principalName],
      ['resource', `${s.resourceId} (${s.protocol}, ${s.client})`],
      ['started', shortTime(s.startedAt)],
      ['ended', s.endedAt ? `${shortTime(s.endedAt)} (${s.endReason ?? '-'})` : 'live'],
    ])
    context.io.stdout('\n')
    printTable(
      context.io,
      ['seq', 'at', 'outcome', 'rows', 'needs', 'action'],
      detail.actions.map((a) => [
        String(a.seq),
        shortTime(a.at),
        a.outcome === 'allow' ? 'allow' : `${a.outcome} (${a.rule ?? '-'})`,
        a.rowCount === undefined ? '-' : String(a.rowCount),
        a.needs?.length ? truncate(a.needs.join(','), 40) : '-',
        truncate(a.text, 80),
      ]),
    )
  },
}

export const sessionsEndCommand: Command = {
  name: 'sessions end',
  params: 'ID',
  summary: 'end one live session (admins and approvers); its grant stays active',
  options: {
    reason: {
      type: 'string',
      value: 'R',
      required: true,
      description: 'why (recorded in the audit log, told to the client)',
    },
  },
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const session = await context.api.post<SessionJson>(`/v1/sessions/${encodeURIComponent(id!)}/end`, {
      reason: requireOption(context, 'reason'),
    })
    if (context.json) return printJson(context.io, session)
    context.io.stdout(`session ${session.id} ended (grant ${session.grantId} stays active)\n`)
  },
}

export const sessionsHoldCommand: Command = {
  name: 'sessions hold',
  params: 'ID',
  summary: 'place a legal hold on a session: retention never removes its recording (admins)',
  options: {
    reason: { type: 'string', value: 'R', required: true, description: 'why (a case or ticket; audited)' },
  },
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const result = await context.api.post(`/v1/sessions/${encodeURIComponent(id!)}/legal-hold`, {
      reason: requireOption(context, 'reason'),
    })
    if (context.json) return printJson(context.io, result)
    context.io.stdout(`session ${id} is under legal hold\n`)
  },
}

export const sessionsReleaseCommand: Command = {
  name: 'sessions release',
  params: 'ID',
  summary: "release a session's legal hold (admins)",
  options: {},
  async run(context) {
    const [id] = requireArgs(context, 'ID')
    const result = await context.api.delete(`/v1/sessions/${encodeURIComponent(id!)}/legal-hold`)
    if (context.json) return printJson(context.io, result)
    context.io.stdout(`session ${id}: legal hold released\n`)
  },
}
