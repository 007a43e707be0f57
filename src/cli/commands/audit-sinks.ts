// `taskgate audit sinks`: where each SIEM export sink stands.
import { type Command, requireArgs } from '../command.ts'
import { printJson, printTable, shortTime } from '../output.ts'

interface SinkJson {
  id: string
  kind: string
  cursor: number
  headSeq: number
  lag: number
  deadLettered: number
  lastDeliveredAt?: string
  lastError?: string
  lastErrorAt?: string
}

export const auditSinksCommand: Command = {
  name: 'audit sinks',
  summary: 'SIEM export sinks: cursor, lag, dead letters and the last error of each',
  options: {},
  async run(context) {
    requireArgs(context)
    const { sinks } = await context.api.get<{ sinks: SinkJson[] }>('/v1/audit/sinks')
    if (context.json) return printJson(context.io, sinks)
    if (sinks.length === 0) {
      context.io.stdout('no audit sinks configured (audit.sinks in the config)\n')
      return
    }
    printTable(
      context.io,
      ['sink', 'kind', 'cursor', 'lag', 'dead-lettered', 'last delivery', 'failing'],
      sinks.map((s) => [
        s.id,
        s.kind,
        String(s.cursor),
        String(s.lag),
        String(s.deadLettered),
        s.lastDeliveredAt ? shortTime(s.lastDeliveredAt) : '-',
        s.lastError ? `${s.lastError} (since ${shortTime(s.lastErrorAt ?? '')})` : '-',
      ]),
    )
  },
}
