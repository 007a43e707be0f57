// `taskgate whoami`: the identity behind the current token.
import { type Command, requireArgs } from '../command.ts'
import { printFields, printJson } from '../output.ts'

export const whoamiCommand: Command = {
  name: 'whoami',
  summary: 'the principal behind your token',
  async run(context) {
    requireArgs(context)
    const me = await context.api.get<{
      id: string
      kind: string
      name: string
      groups: string[]
      via: string
    }>('/v1/whoami')
    if (context.json) return printJson(context.io, me)
    printFields(context.io, [
      ['name', me.name],
      ['id', me.id],
      ['kind', me.kind],
      ['groups', me.groups.join(',') || '-'],
      ['via', me.via],
    ])
  },
}
