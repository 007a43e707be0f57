// `taskgate serve --config FILE`: starts the gateway in this process. The only CLI file allowed to reach
// the composition root (.dependency-cruiser.cjs), through a dynamic import so every other command starts
// without loading protocols and the store.
import { loadConfig } from '../../config/load.ts'
import { type Command, requireArgs, requireOption } from '../command.ts'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the gateway (API and protocol listeners) until interrupted',
  options: {
    config: { type: 'string', value: 'FILE', required: true, description: 'configuration file (required)' },
  },
  local: true,
  async run(context) {
    requireArgs(context)
    const configPath = requireOption(context, 'config')
    const config = await loadConfig(configPath)
    const { startGateway } = await import('../../main.ts')
    const gateway = await startGateway({ config, configPath })
    context.io.stderr(`taskgate API listening at ${gateway.api.url}\n`)
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await gateway.close()
  },
}
