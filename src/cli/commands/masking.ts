// `taskgate masking test`: what the masking rules of a group do to a query's result, before anyone runs it
// through the data path. The query runs on the target read-only (rolled back), as an administrator.
import { usageError } from '../cli-error.ts'
import { type Command, requireArgs, requireOption, stringOption } from '../command.ts'
import { printJson, printTable } from '../output.ts'

interface MaskingTestJson {
  columns: Array<{ name: string; table?: string; type: string; masked: Record<string, number> }>
  rows: Array<Array<string | null>>
  rowCount: number
  truncated: boolean
}

export const maskingTestCommand: Command = {
  name: 'masking test',
  params: 'SQL',
  summary: 'run a query (admins, read-only) and show what the masking rules of a group mask',
  details:
    'Prints, per column, which rule (and which of its detectors) masked how many values, then the first rows as a member of the groups would get them.',
  options: {
    resource: { type: 'string', value: 'ID', description: 'the resource to query', required: true },
    group: {
      type: 'string',
      value: 'G[,G...]',
      description: 'mask as for a member of exactly these groups',
      required: true,
    },
    rows: { type: 'string', value: 'N', description: 'rows to show (default 20)' },
  },
  async run(context) {
    const [sql] = requireArgs(context, 'SQL')
    const resource = requireOption(context, 'resource')
    const groups = requireOption(context, 'group')
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean)
    const rows = stringOption(context, 'rows')
    if (rows !== undefined && !/^\d+$/.test(rows)) throw usageError('--rows expects a number')
    const result = await context.api.post<MaskingTestJson>(
      `/v1/resources/${encodeURIComponent(resource)}/masking-test`,
      { sql, groups, ...(rows === undefined ? {} : { maxRows: Number(rows) }) },
    )
    if (context.json) return printJson(context.io, result)
    printTable(
      context.io,
      ['column', 'table', 'type', 'masked'],
      result.columns.map((c) => [
        c.name,
        c.table ?? '-',
        c.type,
        Object.entries(c.masked)
          .map(([what, n]) => `${maskedBy(what)}: ${n}`)
          .join(', ') || '-',
      ]),
    )
    context.io.stdout('\n')
    printTable(
      context.io,
      result.columns.map((c) => c.name),
      result.rows.map((row) => row.map((v) => v ?? 'NULL')),
    )
    context.io.stdout(
      `\n(${result.rowCount} row${result.rowCount === 1 ? '' : 's'}${result.truncated ? `, first ${result.rows.length} shown` : ''})\n`,
    )
  },
}

/** `rule:pii/card` reads `rule pii (card)`: the rule to change, and the detector that found the values. */
function maskedBy(what: string): string {
  const named = /^rule:(.*?)(?:\/([^/]*))?$/.exec(what)
  if (named === null) return what
  return named[2] === undefined ? `rule ${named[1]}` : `rule ${named[1]} (${named[2]})`
}
