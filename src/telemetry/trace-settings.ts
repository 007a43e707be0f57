// What `telemetry.traces` means once the standard OTEL_* environment variables fill what the file leaves
// out (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ and the OTLP exporter's
// variables). The file wins where both are set, as code configuration does in every OpenTelemetry SDK; a
// malformed variable stops the start like a malformed key (TG_CONFIG_INVALID), naming the variable only:
// an endpoint may carry credentials, so its value is never echoed.
import type { TraceExportConfig } from '../config/telemetry-config.ts'
import { TRACE_SAMPLERS } from '../config/telemetry-config.ts'
import { parseDurationSeconds, TaskgateError } from '../core/index.ts'

export type TraceSampler = (typeof TRACE_SAMPLERS)[number]

export interface TraceSettings {
  endpoint: string
  protocol: 'http/protobuf' | 'http/json'
  /** `serviceName`, else OTEL_SERVICE_NAME; else OTEL_RESOURCE_ATTRIBUTES' service.name, else taskgate. */
  serviceName: string | undefined
  sampler: TraceSampler
  sampleRatio: number
  timeoutMs: number
  maxQueueSize: number
  maxExportBatchSize: number
  scheduledDelayMs: number
  /** OTEL_BSP_EXPORT_TIMEOUT: how long one batch may take, retries included. */
  batchTimeoutMs: number
}

type Env = Readonly<Record<string, string | undefined>>

const DEFAULT_ENDPOINT = 'http://localhost:4318/v1/traces'

/** Whether traces are exported at all: off unless the file or OTEL_TRACES_EXPORTER asks for them. */
export function tracesEnabled(config: TraceExportConfig, env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean)
  if (exporters.includes('none')) return false
  return config.enabled ?? exporters.includes('otlp')
}

export function traceSettings(config: TraceExportConfig, env: Env): TraceSettings {
  const maxQueueSize = config.maxQueueSize ?? integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048)
  const timeoutMs = config.timeout
    ? parseDurationSeconds(config.timeout) * 1000
    : integer(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', integer(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000))
  return {
    endpoint: config.endpoint ?? endpointFromEnv(env),
    protocol: config.protocol ?? protocolFromEnv(env),
    serviceName: config.serviceName ?? nonEmpty(env.OTEL_SERVICE_NAME),
    sampler: config.sampler ?? samplerFromEnv(env),
    sampleRatio: config.sampleRatio ?? ratioFromEnv(env),
    timeoutMs,
    maxQueueSize,
    maxExportBatchSize: Math.min(
      maxQueueSize,
      config.maxExportBatchSize ?? integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
    ),
    scheduledDelayMs: config.scheduledDelay
      ? parseDurationSeconds(config.scheduledDelay) * 1000
      : integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000),
    batchTimeoutMs: integer(env, 'OTEL_BSP_EXPORT_TIMEOUT', Math.max(30_000, timeoutMs)),
  }
}

/** The endpoint without credentials, query or fragment, for the start-up log line. */
export function endpointForLog(endpoint: string): string {
  const url = new URL(endpoint)
  return `${url.protocol}//${url.host}${url.pathname}`
}

function endpointFromEnv(env: Env): string {
  const traces = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  if (traces) return httpUrl(traces, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT)
  if (!base) return DEFAULT_ENDPOINT
  // The base endpoint gets the signal's path; the signal-specific one is used as it is (OTLP exporter spec).
  const url = new URL(httpUrl(base, 'OTEL_EXPORTER_OTLP_ENDPOINT'))
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`
  return url.toString()
}

function httpUrl(value: string, variable: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {}
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw invalid(`${variable} is not an http:// or https:// URL (OTLP/HTTP).`)
  return url.toString()
}

function protocolFromEnv(env: Env): TraceSettings['protocol'] {
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL'
  const value = nonEmpty(env[variable])?.toLowerCase()
  if (value === undefined) return 'http/protobuf'
  if (value === 'http/protobuf' || value === 'http/json') return value
  throw invalid(
    value === 'grpc'
      ? `${variable}=grpc: taskgate exports traces over OTLP/HTTP only; use http/protobuf (the collector's port 4318).`
      : `${variable} must be http/protobuf or http/json.`,
  )
}

function samplerFromEnv(env: Env): TraceSampler {
  const value = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase()
  if (value === undefined) return 'parentbased_always_on'
  if ((TRACE_SAMPLERS as readonly string[]).includes(value)) return value as TraceSampler
  throw invalid(`OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')}.`)
}

function ratioFromEnv(env: Env): number {
  const value = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG)
  if (value === undefined) return 1
  const ratio = Number(value)
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw invalid('OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1.')
  return ratio
}

function integer(env: Env, variable: string, fallback: number): number {
  const value = nonEmpty(env[variable])
  if (value === undefined) return fallback
  const number = Number(value)
  if (!Number.isInteger(number) || number < 1 || number > 10_000_000)
    throw invalid(`${variable} must be a positive whole number.`)
  return number
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

function invalid(message: string): TaskgateError {
  return new TaskgateError('TG_CONFIG_INVALID', { message: `telemetry.traces: ${message}` })
}
