// OpenTelemetry traces of the control plane (docs/traces.md): the SDK's tracer provider with a bounded
// batch span processor and an OTLP/HTTP exporter (protobuf or JSON), a tracer for core's port and hooks for
// the API. Loaded only when `telemetry.traces` or OTEL_TRACES_EXPORTER asks for traces. Export runs
// beside the requests, never in front of them: a collector that is down or slow costs spans, not requests.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { context, DiagLogLevel, diag, type Tracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { ExportResultCode } from '@opentelemetry/core'
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import {
  defaultResource,
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace'
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import packageJson from '../../package.json' with { type: 'json' }
import type { SecretRef } from '../config/schema.ts'
import type { TraceExportConfig } from '../config/telemetry-config.ts'
import { type CoreTracer, TaskgateError } from '../core/index.ts'
import { ExportWarnings } from './export-warnings.ts'
import { createOtelCoreTracer } from './otel-core-tracer.ts'
import { traceApiRequests } from './trace-api-requests.ts'
import { endpointForLog, type TraceSettings, traceSettings } from './trace-settings.ts'

/** How long stopping waits for the last spans to leave; past it they are dropped, the gateway stops. */
const CLOSE_FLUSH_MS = 3000

export interface Tracing {
  core: CoreTracer
  /** Adds the request spans to the API (before any other hook or route). */
  traceApi(app: FastifyInstance, scheme: 'http' | 'https'): void
  /** Exports what is queued (up to 3 s) and stops. */
  close(): Promise<void>
}

export interface TracingOptions {
  config: TraceExportConfig
  env: Readonly<Record<string, string | undefined>>
  logger: Logger
  resolveSecret(ref: SecretRef, key: string): Promise<string>
  storeBackend: 'embedded' | 'postgres'
  /** Each export's outcome and span count (`taskgate_trace_spans_total`). */
  onExport?(result: 'exported' | 'failed', spans: number): void
}

/** Called only when traces are on (tracesEnabled): main.ts imports this module then, not before. */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const { config, env, logger } = options
  const settings = traceSettings(config, env)
  const warnings = new ExportWarnings(logger)
  const provider = new TracerProvider({
    resource: traceResource(settings, env),
    sampler: sampler(settings),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: observeExports(await exporter(options, settings), warnings, options.onExport),
        maxQueueSize: settings.maxQueueSize,
        maxExportBatchSize: settings.maxExportBatchSize,
        scheduledDelayMillis: settings.scheduledDelayMs,
        exportTimeoutMillis: settings.batchTimeoutMs,
      }),
    ],
  })
  const tracer: Tracer = provider.getTracer('taskgate', packageJson.version)
  const release = shareProcessWide(warnings)
  logger.info(
    {
      endpoint: endpointForLog(settings.endpoint),
      protocol: settings.protocol,
      sampler: settings.sampler,
      sampleRatio: settings.sampleRatio,
    },
    'exporting traces over OTLP/HTTP',
  )
  let closed = false
  return {
    core: createOtelCoreTracer(tracer, options.storeBackend),
    traceApi: (app, scheme) => traceApiRequests(app, tracer, scheme),
    async close() {
      if (closed) return
      closed = true
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        provider.shutdown().catch((error: unknown) => warnings.exportFailed(error, 0)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_FLUSH_MS)
        }),
      ])
      clearTimeout(timer)
      release()
    },
  }
}

async function exporter(options: TracingOptions, settings: TraceSettings): Promise<SpanExporter> {
  const { config } = options
  const authorization = config.authorization
    ? await options.resolveSecret(config.authorization, 'telemetry.traces.authorization')
    : undefined
  const ca = config.caFile ? await readCa(config.caFile) : undefined
  const exporterOptions = {
    url: settings.endpoint,
    timeoutMillis: settings.timeoutMs,
    ...(authorization !== undefined ? { headers: { Authorization: authorization } } : {}),
    ...(ca ? { httpAgentOptions: { keepAlive: true, ca } } : {}),
  }
  return settings.protocol === 'http/json'
    ? new JsonTraceExporter(exporterOptions)
    : new ProtobufTraceExporter(exporterOptions)
}

async function readCa(file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (cause) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `telemetry.traces.caFile: cannot read ${file}; check the path.`,
      cause,
    })
  }
}

/** Failed exports go to the rate-limited warning, every export to the metrics; the processor gets the
 * result either way. */
function observeExports(
  inner: SpanExporter,
  warnings: ExportWarnings,
  onExport: TracingOptions['onExport'],
): SpanExporter {
  return {
    export(spans, done) {
      inner.export(spans, (result) => {
        const ok = result.code === ExportResultCode.SUCCESS
        if (ok) warnings.exportSucceeded()
        else warnings.exportFailed(result.error, spans.length)
        onExport?.(ok ? 'exported' : 'failed', spans.length)
        done(result)
      })
    },
    shutdown: () => inner.shutdown(),
    ...(inner.forceFlush ? { forceFlush: () => inner.forceFlush?.() ?? Promise.resolve() } : {}),
  }
}

/** service.name, service.version and service.instance.id (one per process), under what
 * OTEL_RESOURCE_ATTRIBUTES says, under `serviceName`/OTEL_SERVICE_NAME. */
function traceResource(settings: TraceSettings, env: Readonly<Record<string, string | undefined>>) {
  const fromEnv = env.OTEL_RESOURCE_ATTRIBUTES
    ? detectResources({ detectors: [resourceAttributesEnvDetector] })
    : undefined
  let resource = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: 'taskgate',
      [ATTR_SERVICE_VERSION]: packageJson.version,
      [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
    }),
  )
  if (fromEnv) resource = resource.merge(fromEnv)
  if (settings.serviceName)
    resource = resource.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }))
  return resource
}

function sampler(settings: TraceSettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.sampleRatio)
  switch (settings.sampler) {
    case 'always_on':
      return new AlwaysOnSampler()
    case 'always_off':
      return new AlwaysOffSampler()
    case 'traceidratio':
      return ratio
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio })
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
  }
}

// The active span travels in OpenTelemetry's global context manager and the SDK reports its own trouble
// through the global diag logger: both are the process's, shared by every gateway in it (tests start
// several), set up by the first and removed with the last.
const sinks = new Set<ExportWarnings>()

function shareProcessWide(warnings: ExportWarnings): () => void {
  if (sinks.size === 0) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    diag.setLogger(
      {
        error: (message) => forwardSdkWarning(message),
        warn: (message) => forwardSdkWarning(message),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    )
  }
  sinks.add(warnings)
  return () => {
    if (!sinks.delete(warnings) || sinks.size > 0) return
    context.disable()
    diag.disable()
  }
}

function forwardSdkWarning(message: string): void {
  for (const sink of sinks) sink.sdkWarning(message)
}
