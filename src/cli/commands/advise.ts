// `taskgate advise`: per grant the scope requested against what its actions needed, narrower policies per
// group and resource as a diff of the configuration's `policies:` section, and a scope per task cluster.
import { type Command, requireArgs, stringOption } from '../command.ts'
import { printJson, printTable, truncate } from '../output.ts'

interface ScopeAdviceJson {
  since: string
  grants: Array<{
    grantId: string
    principalName: string
    resourceId: string
    task: string
    requested: string[]
    used: string[]
    unused: string[]
    actions: number
  }>
  suggestions: Array<{
    group: string
    resourceId: string
    grants: number
    suggested: { ceiling: string[]; autoApprove: string[] }
    unused: string[]
    notApplied?: string
  }>
  policiesYaml: string
  diff: string
  clusters: Array<{ words: string[]; tasks: string[]; grantIds: string[]; suggested: string[] }>
  truncated: boolean
}

const list = (scope: string[]) => (scope.length > 0 ? scope.join(',') : '-')

export const adviseCommand: Command = {
  name: 'advise',
  summary: 'scope advice from recordings: used vs requested, narrower policies (admins and approvers)',
  details:
    'For each grant requested in the window: the scope it asked for, what its allowed statements needed\n' +
    '(verb:object; what every session may do without asking is left out) and the unused part. Then per\n' +
    'group and resource a narrower ceiling and auto-approve scope, printed as a diff of the `policies:`\n' +
    'section (`--json` also carries the whole rewritten section, which `taskgate config check` accepts),\n' +
    'and per cluster of similar task texts the scope such a task should ask for.',
  options: {
    principal: { type: 'string', value: 'P', description: 'only grants of this principal (id or name)' },
    group: { type: 'string', value: 'G', description: 'only grants requested as a member of this group' },
    resource: { type: 'string', value: 'ID', description: 'only grants on this resource' },
    since: {
      type: 'string',
      value: 'DURATION',
      description: 'grants requested within this long (default 30d)',
    },
  },
  async run(context) {
    requireArgs(context)
    const advice = await context.api.get<ScopeAdviceJson>('/v1/advice/scopes', {
      principal: stringOption(context, 'principal'),
      group: stringOption(context, 'group'),
      resource: stringOption(context, 'resource'),
      since: stringOption(context, 'since'),
    })
    if (context.json) return printJson(context.io, advice)
    const { io } = context
    io.stdout(`grants since ${advice.since}${advice.truncated ? ' (the newest only)' : ''}\n`)
    printTable(
      io,
      ['grant', 'principal', 'resource', 'actions', 'requested', 'used', 'unused'],
      advice.grants.map((g) => [
        g.grantId,
        g.principalName,
        g.resourceId,
        String(g.actions),
        truncate(list(g.requested), 40),
        truncate(list(g.used), 60),
        truncate(list(g.unused), 40),
      ]),
    )
    if (advice.suggestions.length > 0) {
      io.stdout('\nsuggested policies\n')
      printTable(
        io,
        ['group', 'resource', 'grants', 'ceiling', 'autoApprove', 'unused now'],
        advice.suggestions.map((s) => [
          s.group,
          s.resourceId,
          String(s.grants),
          truncate(list(s.suggested.ceiling), 60),
          truncate(list(s.suggested.autoApprove), 40),
          truncate(list(s.unused), 40),
        ]),
      )
      for (const s of advice.suggestions)
        if (s.notApplied) io.stdout(`note: ${s.group} on ${s.resourceId}: ${s.notApplied}\n`)
    }
    if (advice.diff) io.stdout(`\n${advice.diff}`)
    if (advice.clusters.length > 0) {
      io.stdout('\ntask clusters\n')
      printTable(
        io,
        ['grants', 'words', 'suggested scope'],
        advice.clusters.map((c) => [
          String(c.grantIds.length),
          truncate(c.words.join(' ') || '-', 40),
          truncate(list(c.suggested), 80),
        ]),
      )
    }
  },
}
