// `taskgate retention run`: apply the retention policies now.
import { type Command, requireArgs } from '../command.ts'
import { printJson } from '../output.ts'

export const retentionRunCommand: Command = {
  name: 'retention run',
  summary: 'apply the retention policies now (recordings, audit entries); administrators',
  options: {},
  async run(context) {
    requireArgs(context)
    const result = await context.api.post<{
      audit: { pruned: number; throughSeq?: number }
      recordings: { sessions: number }
    }>('/v1/retention/run', {})
    if (context.json) return printJson(context.io, result)
    context.io.stdout(
      result.audit.pruned > 0
        ? `audit: removed ${result.audit.pruned} entries through seq ${result.audit.throughSeq}; \`taskgate audit verify\` starts from the signed checkpoint\n`
        : 'audit: nothing to remove\n',
    )
    context.io.stdout(`recordings: removed those of ${result.recordings.sessions} sessions\n`)
  },
}
