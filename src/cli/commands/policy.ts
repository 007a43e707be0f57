// `taskgate policy replay`: recorded statements decided again under a candidate configuration, for a
// review or a CI job (exit 4 when any decision would change).
import { readFile } from 'node:fs/promises'
import { CliError, EXIT } from '../cli-error.ts'
import { type Command, requireArgs, requireOption, stringOption } from '../command.ts'
import { printJson, printTable, truncate } from '../output.ts'

interface PolicyReplayJson {
  since: string
  statements: number
  skipped: number
  changed: number
  changes: Array<{
    from: string
    to: string
    rule: string
    count: number
    examples: Array<{ sessionId: string; seq: number; principalName: string; text: string; reason: string }>
  }>
  grants: Array<{
    grantId: string
    principalName: string
    resourceId: string
    from: string
    to: string
    reason: string
  }>
  truncated: boolean
}

export const policyReplayCommand: Command = {
  name: 'policy replay',
  summary: 'replay recorded statements through a candidate configuration; exit 4 when a decision changes',
  details:
    "Each recorded statement is classified again by its protocol's classifier and decided under the\n" +
    "candidate's policies, guardrails and masking rules; each grant's request is decided again too (a grant\n" +
    'the candidate refuses takes its statements with it). Prints the changes (allow -> deny/hold and back)\n' +
    'counted by rule, with examples. Administrators and approvers. Exit 0: nothing changes; 4: something does.',
  options: {
    config: {
      type: 'string',
      value: 'FILE',
      required: true,
      description: 'the candidate configuration (YAML)',
    },
    since: {
      type: 'string',
      value: 'DURATION',
      description: 'sessions started within this long (default 7d)',
    },
  },
  async run(context) {
    requireArgs(context)
    const file = requireOption(context, 'config')
    let config: string
    try {
      config = await readFile(file, 'utf8')
    } catch (error) {
      throw new CliError('TG_CONFIG_INVALID', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`)
    }
    const since = stringOption(context, 'since')
    const replay = await context.api.post<PolicyReplayJson>('/v1/policy/replay', {
      config,
      ...(since ? { since } : {}),
    })
    const code = replay.changed > 0 || replay.grants.length > 0 ? EXIT.changed : EXIT.ok
    if (context.json) {
      printJson(context.io, replay)
      return code
    }
    const { io } = context
    io.stdout(
      `${replay.statements} statements replayed since ${replay.since} (${replay.skipped} not decided by policy)` +
        `${replay.truncated ? ', the newest only' : ''}: ${replay.changed} would change\n`,
    )
    if (replay.grants.length > 0) {
      io.stdout('\ngrants decided otherwise\n')
      printTable(
        io,
        ['grant', 'principal', 'resource', 'then', 'now', 'reason'],
        replay.grants.map((g) => [
          g.grantId,
          g.principalName,
          g.resourceId,
          g.from,
          g.to,
          truncate(g.reason, 80),
        ]),
      )
    }
    for (const change of replay.changes) {
      io.stdout(`\n${change.from} -> ${change.to}  ${change.rule}  ${change.count}\n`)
      for (const e of change.examples)
        io.stdout(
          `  ${e.sessionId}#${e.seq} ${e.principalName}: ${truncate(e.text.replace(/\s+/g, ' '), 100)}\n`,
        )
    }
    return code
  },
}
