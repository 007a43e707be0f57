import assert from 'node:assert/strict'
import { test } from 'node:test'
import { endpointForLog, traceSettings, tracesEnabled } from './trace-settings.ts'

test('off by default; on with enabled or OTEL_TRACES_EXPORTER=otlp; OTEL_SDK_DISABLED and none switch it off', () => {
  assert.equal(tracesEnabled({}, {}), false)
  assert.equal(tracesEnabled({ enabled: true }, {}), true)
  assert.equal(tracesEnabled({}, { OTEL_TRACES_EXPORTER: 'otlp' }), true)
  assert.equal(tracesEnabled({}, { OTEL_TRACES_EXPORTER: 'console' }), false)
  assert.equal(tracesEnabled({ enabled: false }, { OTEL_TRACES_EXPORTER: 'otlp' }), false)
  assert.equal(tracesEnabled({ enabled: true }, { OTEL_SDK_DISABLED: 'TRUE' }), false)
  assert.equal(tracesEnabled({ enabled: true }, { OTEL_TRACES_EXPORTER: 'none' }), false)
})

test('defaults: localhost:4318, protobuf, parent-based always-on, the SDK batch bounds', () => {
  assert.deepEqual(traceSettings({}, {}), {
    endpoint: 'http://localhost:4318/v1/traces',
    protocol: 'http/protobuf',
    serviceName: undefined,
    sampler: 'parentbased_always_on',
    sampleRatio: 1,
    timeoutMs: 10_000,
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMs: 5000,
    batchTimeoutMs: 30_000,
  })
})

test('the standard variables fill what the file leaves out; the file wins where both are set', () => {
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4318/base/',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'gw-eu',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25',
    OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
    OTEL_BSP_MAX_QUEUE_SIZE: '100',
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '500',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  }
  const fromEnv = traceSettings({}, env)
  // The base endpoint gets /v1/traces; the batch is never larger than the queue.
  assert.equal(fromEnv.endpoint, 'https://otel.example:4318/base/v1/traces')
  assert.equal(fromEnv.protocol, 'http/json')
  assert.equal(fromEnv.serviceName, 'gw-eu')
  assert.equal(fromEnv.sampler, 'parentbased_traceidratio')
  assert.equal(fromEnv.sampleRatio, 0.25)
  assert.equal(fromEnv.timeoutMs, 3000)
  assert.equal(fromEnv.maxQueueSize, 100)
  assert.equal(fromEnv.maxExportBatchSize, 100)
  assert.equal(fromEnv.scheduledDelayMs, 200)
  // The traces-specific endpoint is used as it is.
  assert.equal(
    traceSettings({}, { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom' }).endpoint,
    'http://c:4318/custom',
  )
  const fromFile = traceSettings(
    {
      endpoint: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'from-file',
      sampler: 'always_on',
      sampleRatio: 1,
      timeout: '2s',
      maxQueueSize: 50,
      maxExportBatchSize: 10,
      scheduledDelay: '1s',
    },
    env,
  )
  assert.equal(fromFile.endpoint, 'http://collector:4318/v1/traces')
  assert.equal(fromFile.protocol, 'http/protobuf')
  assert.equal(fromFile.serviceName, 'from-file')
  assert.equal(fromFile.sampler, 'always_on')
  assert.equal(fromFile.timeoutMs, 2000)
  assert.equal(fromFile.maxQueueSize, 50)
  assert.equal(fromFile.maxExportBatchSize, 10)
  assert.equal(fromFile.scheduledDelayMs, 1000)
})

test('a malformed variable stops the start, naming the variable and never echoing an endpoint', () => {
  const refused = (env: Record<string, string>, message: RegExp) =>
    assert.throws(
      () => traceSettings({}, env),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TG_CONFIG_INVALID')
        assert.match(error.message, message)
        assert.ok(!error.message.includes('s3cret'))
        return true
      },
    )
  refused({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://u:s3cret@x/' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/)
  refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url s3cret' }, /OTEL_EXPORTER_OTLP_ENDPOINT/)
  refused({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTLP\/HTTP only/)
  refused({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' }, /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/)
  refused({ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, /OTEL_TRACES_SAMPLER/)
  refused({ OTEL_TRACES_SAMPLER_ARG: '1.5' }, /OTEL_TRACES_SAMPLER_ARG/)
  refused({ OTEL_BSP_MAX_QUEUE_SIZE: '-1' }, /OTEL_BSP_MAX_QUEUE_SIZE/)
})

test('the endpoint is logged without credentials or query', () => {
  assert.equal(
    endpointForLog('https://user:s3cret@collector:4318/v1/traces?token=abc'),
    'https://collector:4318/v1/traces',
  )
})
