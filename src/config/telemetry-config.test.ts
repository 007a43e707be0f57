import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from './load.ts'

const refused = (yaml: string, message: RegExp) =>
  assert.throws(
    () => parseConfigText(yaml, 'a.yaml'),
    (error: Error) => {
      assert.match(error.message, message)
      return true
    },
  )

test('telemetry.traces: absent means nothing set (traces off unless OTEL_TRACES_EXPORTER=otlp)', () => {
  assert.deepEqual(parseConfigText('resources: []\n', 'a.yaml').telemetry, { traces: {} })
  const config = parseConfigText(
    `telemetry:
  traces:
    enabled: true
    endpoint: https://collector.example:4318/v1/traces
    protocol: http/json
    authorization: { env: OTLP_AUTH }
    sampler: parentbased_traceidratio
    sampleRatio: 0.5
    maxQueueSize: 1000
`,
    'a.yaml',
  )
  assert.equal(config.telemetry.traces.protocol, 'http/json')
  assert.equal(config.telemetry.traces.sampleRatio, 0.5)
})

test('telemetry.traces: each key validated with its path; a secret is never written in clear', () => {
  refused('telemetry: { traces: { endpoint: "grpc://c:4317" } }\n', /telemetry\.traces\.endpoint/)
  refused('telemetry: { traces: { protocol: grpc } }\n', /telemetry\.traces\.protocol/)
  refused('telemetry: { traces: { sampler: sometimes } }\n', /telemetry\.traces\.sampler/)
  refused('telemetry: { traces: { sampleRatio: 2 } }\n', /telemetry\.traces\.sampleRatio/)
  refused('telemetry: { traces: { maxQueueSize: 0 } }\n', /telemetry\.traces\.maxQueueSize/)
  refused(
    'telemetry: { traces: { authorization: "Bearer abc" } }\n',
    /never written in the configuration in clear/,
  )
  refused('telemetry: { traces: { endpont: "http://c:4318" } }\n', /endpont/)
})
