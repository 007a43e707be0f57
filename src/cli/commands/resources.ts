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
  hostKey?: string
}

export const resourcesCommand: Command = {
  name: 'resources',
  summary:
    'resources you may request, with your ceiling and auto-approved scope (and each SSH resource host key, as a known_hosts line)',
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
    // SSH resources: the gateway's host key, whole, for known_hosts (`[host]:port key`).
    for (const r of resources.filter((x) => x.hostKey))
      context.io.stdout(`\nhost key of ${r.id}: [${r.listen.host}]:${r.listen.port} ${r.hostKey}\n`)
  },
}
