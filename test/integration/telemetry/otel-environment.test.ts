// `taskgate serve` configured for traces by the standard OTEL_* variables alone (as the OpenTelemetry
// Operator or a Helm chart sets them), with no `telemetry` key in the file: OTLP/JSON to the base endpoint
// plus /v1/traces, the service name and resource attributes from the environment, and the spans queued
// when SIGTERM arrives still exported as the gateway stops.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { startOtlpTraceReceiver } from '../../support/otlp-trace-receiver.ts'
import { callApi, prepareGateway, startChildProcess } from '../../support/start-full-gateway.ts'

test('OTEL_* variables alone turn traces on and shape them', async () => {
  await using receiver = await startOtlpTraceReceiver()
  await using setup = await prepareGateway()
  const name = `tg-env-${randomBytes(3).toString('hex')}`
  const gateway = await startChildProcess(setup, {
    env: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.base,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: name,
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci,service.instance.id=pod-7',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=tg-otlp-key',
    },
  })
  try {
    const { agent } = await setup.keys()
    const requested = await callApi<{ grant: { id: string } }>(gateway.api, agent, 'POST', '/v1/grants', {
      resource: setup.resourceId,
      scope: 'select:public.*',
      task: 'traced by the environment',
    })
    assert.equal(requested.status, 201)
  } finally {
    // The spans wait in the queue (a minute's delay): stopping must export them.
    await gateway.kill?.('SIGTERM')
  }
  const grant = receiver.spans.find((s) => s.name === 'taskgate.grant.request')
  assert.ok(grant, `spans: ${receiver.spans.map((s) => s.name).join(', ')}`)
  assert.ok(receiver.spans.some((s) => s.name === 'POST /v1/grants' && s.spanId === grant.parentSpanId))
  assert.ok(receiver.contentTypes.length > 0 && receiver.contentTypes.every((t) => t === 'application/json'))
  assert.equal(grant.resource['service.name'], name)
  assert.equal(grant.resource['service.instance.id'], 'pod-7')
  assert.equal(grant.resource['deployment.environment.name'], 'ci')
  assert.ok(receiver.headers.every((h) => h['x-api-key'] === 'tg-otlp-key'))
})
