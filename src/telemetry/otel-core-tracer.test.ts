import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { context, SpanStatusCode } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { TaskgateError } from '../core/index.ts'
import { createOtelCoreTracer, MAX_STORE_SPANS } from './otel-core-tracer.ts'

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
after(() => context.disable())
const exporter = new InMemorySpanExporter()
const processor = new SimpleSpanProcessor({ exporter })
const provider = new TracerProvider({ spanProcessors: [processor] })
const tracer = createOtelCoreTracer(provider.getTracer('test'), 'postgres')

test('store calls are spans only inside a traced operation, and at most MAX_STORE_SPANS of them', async () => {
  exporter.reset()
  assert.equal(tracer.storeOperation('grants.get'), undefined, 'no span outside an operation')
  await tracer.span('taskgate.grant.request', { 'taskgate.resource.id': 'db' }, async () => {
    for (let i = 0; i < MAX_STORE_SPANS + 6; i++) {
      await Promise.resolve()
      tracer.storeOperation('sessions.listActions')?.end()
    }
  })
  await processor.forceFlush()
  const spans = exporter.getFinishedSpans()
  const parent = spans.find((s) => s.name === 'taskgate.grant.request')
  const store = spans.filter((s) => s.name === 'store sessions.listActions')
  assert.equal(store.length, MAX_STORE_SPANS)
  assert.ok(store.every((s) => s.parentSpanContext?.spanId === parent?.spanContext().spanId))
  assert.equal(store[0]?.attributes['db.system.name'], 'postgresql')
  assert.equal(parent?.attributes['taskgate.store.calls'], MAX_STORE_SPANS + 6)
})

test('a failed operation: ERROR with its stable code, no message, no exception event; rethrown as it was', async () => {
  exporter.reset()
  const thrown = new TaskgateError('TG_FORBIDDEN', { message: 'secret-looking text tgc_abc' })
  await assert.rejects(
    tracer.span('taskgate.grant.revoke', {}, async () => {
      throw thrown
    }),
    (error) => error === thrown,
  )
  await processor.forceFlush()
  const [span] = exporter.getFinishedSpans()
  assert.equal(span?.status.code, SpanStatusCode.ERROR)
  assert.equal(span?.status.message, undefined)
  assert.equal(span?.events.length, 0)
  assert.deepEqual(span?.attributes, { 'taskgate.error.code': 'TG_FORBIDDEN', 'taskgate.outcome': 'failed' })
  await assert.rejects(tracer.span('taskgate.grant.end', {}, () => Promise.reject(new Error('boom tgc_x'))))
  await processor.forceFlush()
  assert.equal(exporter.getFinishedSpans()[1]?.attributes['taskgate.error.code'], 'TG_INTERNAL')
})
