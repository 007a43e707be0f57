// `telemetry.traces`: OpenTelemetry traces of the control plane over OTLP/HTTP (issue 17), off by default.
// Every key falls back to its standard OTEL_* environment variable when the file leaves it out
// (src/telemetry/trace-settings.ts reads them); kept apart from schema.ts, which only places it.
import { z } from 'zod'
import { duration, secretRef } from './schema-parts.ts'

export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const

export const traceExport = z
  .strictObject({
    enabled: z
      .boolean()
      .optional()
      .describe(
        'export traces; when absent, on only with OTEL_TRACES_EXPORTER=otlp. OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn them off whatever this says',
      ),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        "the collector's OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces (default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, else http://localhost:4318/v1/traces)",
      ),
    protocol: z
      .enum(['http/protobuf', 'http/json'])
      .optional()
      .describe(
        'OTLP encoding (default: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf); grpc is not supported',
      ),
    authorization: secretRef
      .optional()
      .describe(
        'value of the Authorization header sent to the collector, e.g. `Bearer <token>` (default: the headers in OTEL_EXPORTER_OTLP_TRACES_HEADERS / OTEL_EXPORTER_OTLP_HEADERS)',
      ),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM file of the CA that signed an https collector's certificate (default: OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, else the system's CAs)",
      ),
    serviceName: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('the `service.name` resource attribute (default: OTEL_SERVICE_NAME, else taskgate)'),
    sampler: z
      .enum(TRACE_SAMPLERS)
      .optional()
      .describe(
        'which traces are kept (default: OTEL_TRACES_SAMPLER, else parentbased_always_on: an incoming traceparent decides, else every trace)',
      ),
    sampleRatio: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('share of traces a *traceidratio sampler keeps (default: OTEL_TRACES_SAMPLER_ARG, else 1)'),
    timeout: duration
      .optional()
      .describe('per export request (default: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT in ms, else 10s)'),
    maxQueueSize: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe(
        'ended spans waiting for export; past it new spans are dropped (default: OTEL_BSP_MAX_QUEUE_SIZE, else 2048)',
      ),
    maxExportBatchSize: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe(
        'spans per export request, at most maxQueueSize (default: OTEL_BSP_MAX_EXPORT_BATCH_SIZE, else 512)',
      ),
    scheduledDelay: duration
      .optional()
      .describe('how long spans wait to be batched (default: OTEL_BSP_SCHEDULE_DELAY in ms, else 5s)'),
  })
  .default({})
  .describe(
    'OpenTelemetry traces of the control plane (API requests, grants, approvals, data-path logins, store calls) over OTLP/HTTP; off by default (docs/traces.md)',
  )

export const telemetryConfig = z
  .strictObject({ traces: traceExport })
  .default({ traces: {} })
  .describe('OpenTelemetry export')

export type TraceExportConfig = z.infer<typeof traceExport>
