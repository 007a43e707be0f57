// `taskgate resources`: what you may request, and how far.
import { type Command, requireArgs } from '../command.ts'
import { printJson, printTable, truncate } from '../output.ts'

interface ResourceJson {
  id: string
  kind: string
  description: string
  listen: { host: string; port: number }
  ceiling: string[]
  autoApprove: string[]
}

export const resourcesCommand: Command = {
  name: 'resources',
  summary: 'resources you may request, with your ceiling and auto-approved scope',
  async run(context) {
    requireArgs(context)
    const { resources } = await context.api.get<{ resources: ResourceJson[] }>('/v1/resources')
    if (context.json) return printJson(context.io, resources)
    printTable(
      context.io,
      ['id', 'kind', 'ceiling', 'auto-approve', 'description'],
      resources.map((r) => [
        r.id,
        r.kind,
        truncate(r.ceiling.join(','), 50),
        truncate(r.autoApprove.join(',') || '-', 50),
        truncate(r.description, 40),
      ]),
    )
  },
}
