// `taskgate config check FILE`: validates a configuration locally, with the same loader the gateway uses.
import { unmatchedGroupWarnings } from '../../config/config-warnings.ts'
import { loadConfig } from '../../config/load.ts'
import { type Command, requireArgs } from '../command.ts'
import { printJson } from '../output.ts'

export const configCheckCommand: Command = {
  name: 'config check',
  params: 'FILE',
  summary: 'validate a configuration file (no gateway needed)',
  details:
    'Errors name the file, the key path, what was expected and what was found (for an unknown key, the known\n' +
    'key it most likely meant). Secrets are resolved too. Warnings (on stderr; the file is still valid) name\n' +
    'policy and approver groups nobody can be in.',
  local: true,
  async run(context) {
    const [file] = requireArgs(context, 'FILE')
    const config = await loadConfig(file!)
    const warnings = unmatchedGroupWarnings(config)
    const summary = {
      file,
      ok: true,
      resources: config.resources.length,
      policies: config.policies.length,
      warnings,
    }
    if (context.json) return printJson(context.io, summary)
    context.io.stdout(`${file}: ok (${summary.resources} resources, ${summary.policies} policies)\n`)
    for (const warning of warnings) context.io.stderr(`warning: ${file}: ${warning}\n`)
  },
}
