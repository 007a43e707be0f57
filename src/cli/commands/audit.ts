// `taskgate audit verify|tail`: the hash-chained audit log.
import { CliError, EXIT, usageError } from '../cli-error.ts'
import { type Command, requireArgs, stringOption } from '../command.ts'
import { printJson, printTable, shortTime, truncate } from '../output.ts'

interface EntryJson {
  seq: number
  at: string
  type: string
  actor: string
  subject?: string
  data?: Record<string, unknown>
}

export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'verify the hash chain of the audit log (exit 1 when broken)',
  options: {
    anchor: {
      type: 'string',
      value: 'SEQ:HASH',
      description:
        'a head printed by an earlier verify, kept elsewhere: it must still be in the log unchanged',
    },
  },
  async run(context) {
    requireArgs(context)
    const result = await context.api.get<{
      ok: boolean
      entries: number
      brokenAt?: number
      problem?: string
      head?: { seq: number; hash: string }
    }>('/v1/audit/verify', { anchor: stringOption(context, 'anchor') })
    if (context.json) printJson(context.io, result)
    if (!result.ok) {
      throw new CliError(
        'TG_AUDIT_CHAIN_BROKEN',
        `audit chain broken at seq ${result.brokenAt ?? '?'}: ${result.problem ?? 'hash mismatch'}`,
      )
    }
    if (!context.json) {
      context.io.stdout(`audit chain ok: ${result.entries} entries verified\n`)
      // Only a head kept outside the store shows a rewrite of the whole log, recorded head included.
      if (result.head)
        context.io.stdout(
          `head: ${result.head.seq}:${result.head.hash} (keep it elsewhere; check later with --anchor)\n`,
        )
    }
    return EXIT.ok
  },
}

export const auditTailCommand: Command = {
  name: 'audit tail',
  summary: 'the latest audit entries, oldest first',
  options: {
    n: { type: 'string', short: 'n', value: 'N', description: 'how many (default 20)' },
    type: { type: 'string', value: 'TYPE', description: 'only this event type, e.g. grant.approved' },
  },
  async run(context) {
    requireArgs(context)
    const n = Number(stringOption(context, 'n') ?? '20')
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw usageError('-n: expected a number from 1 to 1000')
    const { entries } = await context.api.get<{ entries: EntryJson[] }>('/v1/audit', {
      order: 'desc',
      limit: n,
      type: stringOption(context, 'type'),
    })
    entries.reverse()
    if (context.json) return printJson(context.io, entries)
    printTable(
      context.io,
      ['seq', 'at', 'type', 'actor', 'subject', 'data'],
      entries.map((e) => [
        String(e.seq),
        shortTime(e.at),
        e.type,
        e.actor,
        e.subject ?? '-',
        e.data ? truncate(JSON.stringify(e.data), 60) : '',
      ]),
    )
  },
}
