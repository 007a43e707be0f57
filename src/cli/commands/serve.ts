// `taskgate serve --config FILE`: starts the gateway in this process. The only CLI file allowed to reach
// the composition root (.dependency-cruiser.cjs), through a dynamic import so every other command starts
// without loading protocols and the store.
import { loadConfig } from '../../config/load.ts'
import { type Command, requireArgs, requireOption } from '../command.ts'

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the gateway (API and protocol listeners) until interrupted',
  details:
    'Environment: TASKGATE_LOG_LEVEL (info), TASKGATE_DATABASE_URL (overrides store.databaseUrl).\n' +
    'An unreachable or busy store is tried again for store.startupWait (120s) before the start fails.\n' +
    'Traces (off by default; docs/traces.md): telemetry.traces in the file, or the standard variables\n' +
    'OTEL_TRACES_EXPORTER=otlp, OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,\n' +
    'OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf | http/json), OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME,\n' +
    'OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER / _ARG, OTEL_BSP_*; the file wins where both are set.\n' +
    'OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn traces off.',
  options: {
    config: { type: 'string', value: 'FILE', required: true, description: 'configuration file (required)' },
  },
  local: true,
  async run(context) {
    requireArgs(context)
    const configPath = requireOption(context, 'config')
    const config = await loadConfig(configPath)
    const { startGatewayWhenStoreReady } = await import('../../main.ts')
    const gateway = await startGatewayWhenStoreReady({ config, configPath })
    context.io.stderr(`taskgate API listening at ${gateway.api.url}\n`)
    await new Promise<void>((resolve) => {
      const stop = () => resolve()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await gateway.close()
  },
}
